// Original file: proto/switchyard/v1/assets.proto

import type { AssetRefresh as _switchyard_v1_AssetRefresh, AssetRefresh__Output as _switchyard_v1_AssetRefresh__Output } from '../../switchyard/v1/AssetRefresh.js';
import type { Long } from '@grpc/proto-loader';

export interface AssetListManifestRequest {
  'token'?: (string);
  'root'?: (string);
  'refresh'?: (_switchyard_v1_AssetRefresh);
  'paths'?: (string)[];
  'since_epoch'?: (string);
  'since_seq'?: (number | string | Long);
}

export interface AssetListManifestRequest__Output {
  'token': (string);
  'root': (string);
  'refresh': (_switchyard_v1_AssetRefresh__Output);
  'paths': (string)[];
  'since_epoch': (string);
  'since_seq': (string);
}
