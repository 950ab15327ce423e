// Original file: proto/switchyard/v1/assets.proto

import type { Long } from '@grpc/proto-loader';

export interface AssetChunkData {
  'index'?: (number);
  'data'?: (Buffer | Uint8Array | string);
  'offset'?: (number | string | Long);
}

export interface AssetChunkData__Output {
  'index': (number);
  'data': (Buffer);
  'offset': (string);
}
