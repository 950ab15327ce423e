// Original file: proto/switchyard/v1/agent.proto

import type { AssetRootPath as _switchyard_v1_AssetRootPath, AssetRootPath__Output as _switchyard_v1_AssetRootPath__Output } from '../../switchyard/v1/AssetRootPath.js';

export interface HelloResponse {
  'name'?: (string);
  'version'?: (string);
  'started_at'?: (string);
  'asset_roots'?: (string)[];
  'commands'?: (string)[];
  'database_configured'?: (boolean);
  'asset_root_paths'?: (_switchyard_v1_AssetRootPath)[];
  'instance_id'?: (string);
}

export interface HelloResponse__Output {
  'name': (string);
  'version': (string);
  'started_at': (string);
  'asset_roots': (string)[];
  'commands': (string)[];
  'database_configured': (boolean);
  'asset_root_paths': (_switchyard_v1_AssetRootPath__Output)[];
  'instance_id': (string);
}
