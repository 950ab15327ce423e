// Original file: proto/switchyard/v1/database.proto


export interface RollbackDatabaseRequest {
  'target_schema'?: (string);
  'keep_live_copy'?: (boolean);
  'attempt'?: (string);
  'copied_tables'?: (string)[];
}

export interface RollbackDatabaseRequest__Output {
  'target_schema': (string);
  'keep_live_copy': (boolean);
  'attempt': (string);
  'copied_tables': (string)[];
}
