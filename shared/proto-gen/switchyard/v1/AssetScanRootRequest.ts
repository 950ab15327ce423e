// Original file: proto/switchyard/v1/assets.proto

import type { AssetRefresh as _switchyard_v1_AssetRefresh, AssetRefresh__Output as _switchyard_v1_AssetRefresh__Output } from '../../switchyard/v1/AssetRefresh.js';

export interface AssetScanRootRequest {
  'root'?: (string);
  'refresh'?: (_switchyard_v1_AssetRefresh);
}

export interface AssetScanRootRequest__Output {
  'root': (string);
  'refresh': (_switchyard_v1_AssetRefresh__Output);
}
