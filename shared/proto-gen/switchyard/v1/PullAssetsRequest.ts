// Original file: proto/switchyard/v1/assets.proto

import type { AssetRefresh as _switchyard_v1_AssetRefresh, AssetRefresh__Output as _switchyard_v1_AssetRefresh__Output } from '../../switchyard/v1/AssetRefresh.js';
import type { Long } from '@grpc/proto-loader';

export interface PullAssetsRequest {
  'peer_address'?: (string);
  'transfer_token'?: (string);
  'staging_root'?: (string);
  'production_root'?: (string);
  'delete'?: (boolean);
  'parallelism'?: (number);
  'bandwidth_limit_bytes_per_second'?: (number | string | Long);
  'staging_refresh'?: (_switchyard_v1_AssetRefresh);
  'production_refresh'?: (_switchyard_v1_AssetRefresh);
  'peer_server_name'?: (string);
  'peer_name'?: (string);
}

export interface PullAssetsRequest__Output {
  'peer_address': (string);
  'transfer_token': (string);
  'staging_root': (string);
  'production_root': (string);
  'delete': (boolean);
  'parallelism': (number);
  'bandwidth_limit_bytes_per_second': (string);
  'staging_refresh': (_switchyard_v1_AssetRefresh__Output);
  'production_refresh': (_switchyard_v1_AssetRefresh__Output);
  'peer_server_name': (string);
  'peer_name': (string);
}
