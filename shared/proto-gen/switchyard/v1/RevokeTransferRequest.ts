// Original file: proto/switchyard/v1/database.proto


export interface RevokeTransferRequest {
  'token'?: (string);
}

export interface RevokeTransferRequest__Output {
  'token': (string);
}
