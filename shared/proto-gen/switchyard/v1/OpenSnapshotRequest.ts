// Original file: proto/switchyard/v1/database.proto


export interface OpenSnapshotRequest {
  'token'?: (string);
  'parallelism'?: (number);
}

export interface OpenSnapshotRequest__Output {
  'token': (string);
  'parallelism': (number);
}
