// Original file: proto/switchyard/v1/database.proto


export interface RollbackDatabaseResponse {
  'tables'?: (string)[];
}

export interface RollbackDatabaseResponse__Output {
  'tables': (string)[];
}
