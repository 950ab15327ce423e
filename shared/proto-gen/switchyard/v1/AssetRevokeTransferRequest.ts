// Original file: proto/switchyard/v1/assets.proto


export interface AssetRevokeTransferRequest {
  'token'?: (string);
}

export interface AssetRevokeTransferRequest__Output {
  'token': (string);
}
