// Original file: proto/switchyard/v1/database.proto


export interface LockWritesRequest {
}

export interface LockWritesRequest__Output {
}
