// Original file: proto/switchyard/v1/assets.proto


export interface AssetChunkData {
  'index'?: (number);
  'data'?: (Buffer | Uint8Array | string);
}

export interface AssetChunkData__Output {
  'index': (number);
  'data': (Buffer);
}
