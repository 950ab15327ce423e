// Original file: proto/switchyard/v1/database.proto


export interface AuthorizeTransferResponse {
  'expires_at'?: (string);
}

export interface AuthorizeTransferResponse__Output {
  'expires_at': (string);
}
