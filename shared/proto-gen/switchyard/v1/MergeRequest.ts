// Original file: proto/switchyard/v1/database.proto


export interface MergeRequest {
  'target_schema'?: (string);
  'mode'?: (string);
}

export interface MergeRequest__Output {
  'target_schema': (string);
  'mode': (string);
}
