// Original file: proto/switchyard/v1/assets.proto

import type { AssetTreeSummary as _switchyard_v1_AssetTreeSummary, AssetTreeSummary__Output as _switchyard_v1_AssetTreeSummary__Output } from '../../switchyard/v1/AssetTreeSummary.js';
import type { Long } from '@grpc/proto-loader';

export interface AssetScanRootResponse {
  'summary'?: (_switchyard_v1_AssetTreeSummary | null);
  'hashed_files'?: (number | string | Long);
  'hashed_bytes'?: (number | string | Long);
  'seconds'?: (number | string);
}

export interface AssetScanRootResponse__Output {
  'summary': (_switchyard_v1_AssetTreeSummary__Output | null);
  'hashed_files': (string);
  'hashed_bytes': (string);
  'seconds': (number);
}
