// Original file: proto/switchyard/v1/database.proto


export interface ChecksumChunksRequest {
  'token'?: (string);
  'snapshot_id'?: (string);
  'tables'?: (string)[];
  'target_ms'?: (number);
}

export interface ChecksumChunksRequest__Output {
  'token': (string);
  'snapshot_id': (string);
  'tables': (string)[];
  'target_ms': (number);
}
