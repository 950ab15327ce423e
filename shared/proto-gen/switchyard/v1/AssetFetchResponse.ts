// Original file: proto/switchyard/v1/assets.proto

import type { AssetChunkData as _switchyard_v1_AssetChunkData, AssetChunkData__Output as _switchyard_v1_AssetChunkData__Output } from '../../switchyard/v1/AssetChunkData.js';
import type { AssetFetchEnd as _switchyard_v1_AssetFetchEnd, AssetFetchEnd__Output as _switchyard_v1_AssetFetchEnd__Output } from '../../switchyard/v1/AssetFetchEnd.js';
import type { Long } from '@grpc/proto-loader';

export interface AssetFetchResponse {
  'request_id'?: (number | string | Long);
  'chunk'?: (_switchyard_v1_AssetChunkData | null);
  'end'?: (_switchyard_v1_AssetFetchEnd | null);
}

export interface AssetFetchResponse__Output {
  'request_id': (string);
  'chunk': (_switchyard_v1_AssetChunkData__Output | null);
  'end': (_switchyard_v1_AssetFetchEnd__Output | null);
}
