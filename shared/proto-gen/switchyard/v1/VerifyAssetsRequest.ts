// Original file: proto/switchyard/v1/assets.proto

import type { AssetRefresh as _switchyard_v1_AssetRefresh, AssetRefresh__Output as _switchyard_v1_AssetRefresh__Output } from '../../switchyard/v1/AssetRefresh.js';

export interface VerifyAssetsRequest {
  'peer_address'?: (string);
  'transfer_token'?: (string);
  'staging_root'?: (string);
  'production_root'?: (string);
  'refresh'?: (_switchyard_v1_AssetRefresh);
  'peer_server_name'?: (string);
  'max_differences'?: (number);
  'peer_name'?: (string);
}

export interface VerifyAssetsRequest__Output {
  'peer_address': (string);
  'transfer_token': (string);
  'staging_root': (string);
  'production_root': (string);
  'refresh': (_switchyard_v1_AssetRefresh__Output);
  'peer_server_name': (string);
  'max_differences': (number);
  'peer_name': (string);
}
