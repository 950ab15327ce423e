// Original file: proto/switchyard/v1/database.proto


export interface ReleaseDatabaseRequest {
  'target_schema'?: (string);
}

export interface ReleaseDatabaseRequest__Output {
  'target_schema': (string);
}
