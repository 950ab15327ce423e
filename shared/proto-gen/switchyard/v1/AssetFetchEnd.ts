// Original file: proto/switchyard/v1/assets.proto

import type { AssetManifestEntry as _switchyard_v1_AssetManifestEntry, AssetManifestEntry__Output as _switchyard_v1_AssetManifestEntry__Output } from '../../switchyard/v1/AssetManifestEntry.js';

export interface AssetFetchEnd {
  'status'?: (string);
  'current'?: (_switchyard_v1_AssetManifestEntry | null);
  'error'?: (string);
  'errno'?: (string);
  'host'?: (string);
}

export interface AssetFetchEnd__Output {
  'status': (string);
  'current': (_switchyard_v1_AssetManifestEntry__Output | null);
  'error': (string);
  'errno': (string);
  'host': (string);
}
