// Original file: proto/switchyard/v1/assets.proto


export interface AssetAuthorizeTransferResponse {
  'expires_at'?: (string);
}

export interface AssetAuthorizeTransferResponse__Output {
  'expires_at': (string);
}
