// Original file: proto/switchyard/v1/database.proto


export interface RevokeTransferResponse {
  'revoked'?: (boolean);
}

export interface RevokeTransferResponse__Output {
  'revoked': (boolean);
}
