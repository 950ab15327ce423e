// Original file: proto/switchyard/v1/assets.proto


export interface AssetRevokeTransferResponse {
}

export interface AssetRevokeTransferResponse__Output {
}
