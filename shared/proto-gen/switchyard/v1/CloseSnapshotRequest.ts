// Original file: proto/switchyard/v1/database.proto


export interface CloseSnapshotRequest {
  'token'?: (string);
  'snapshot_id'?: (string);
}

export interface CloseSnapshotRequest__Output {
  'token': (string);
  'snapshot_id': (string);
}
