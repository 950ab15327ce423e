// Original file: proto/switchyard/v1/database.proto


export interface AuthorizeTransferRequest {
  'token'?: (string);
  'schema'?: (string);
  'ttl_seconds'?: (number);
}

export interface AuthorizeTransferRequest__Output {
  'token': (string);
  'schema': (string);
  'ttl_seconds': (number);
}
