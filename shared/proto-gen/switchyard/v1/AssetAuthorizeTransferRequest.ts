// Original file: proto/switchyard/v1/assets.proto


export interface AssetAuthorizeTransferRequest {
  'token'?: (string);
  'root'?: (string);
  'ttl_seconds'?: (number);
}

export interface AssetAuthorizeTransferRequest__Output {
  'token': (string);
  'root': (string);
  'ttl_seconds': (number);
}
