// Original file: proto/switchyard/v1/assets.proto

import type { AssetRefresh as _switchyard_v1_AssetRefresh, AssetRefresh__Output as _switchyard_v1_AssetRefresh__Output } from '../../switchyard/v1/AssetRefresh.js';

export interface AssetTreeDigestRequest {
  'root'?: (string);
  'refresh'?: (_switchyard_v1_AssetRefresh);
  'token'?: (string);
}

export interface AssetTreeDigestRequest__Output {
  'root': (string);
  'refresh': (_switchyard_v1_AssetRefresh__Output);
  'token': (string);
}
