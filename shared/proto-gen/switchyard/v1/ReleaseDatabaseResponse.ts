// Original file: proto/switchyard/v1/database.proto


export interface ReleaseDatabaseResponse {
  'dropped'?: (boolean);
}

export interface ReleaseDatabaseResponse__Output {
  'dropped': (boolean);
}
