// Original file: proto/switchyard/v1/database.proto


export interface LockWritesRequest {
  'flag_only'?: (boolean);
}

export interface LockWritesRequest__Output {
  'flag_only': (boolean);
}
