// Original file: proto/switchyard/v1/assets.proto

import type { AssetTreeSummary as _switchyard_v1_AssetTreeSummary, AssetTreeSummary__Output as _switchyard_v1_AssetTreeSummary__Output } from '../../switchyard/v1/AssetTreeSummary.js';
import type { AssetDifference as _switchyard_v1_AssetDifference, AssetDifference__Output as _switchyard_v1_AssetDifference__Output } from '../../switchyard/v1/AssetDifference.js';
import type { Long } from '@grpc/proto-loader';

export interface VerifyAssetsResponse {
  'equal'?: (boolean);
  'staging'?: (_switchyard_v1_AssetTreeSummary | null);
  'production'?: (_switchyard_v1_AssetTreeSummary | null);
  'differences'?: (_switchyard_v1_AssetDifference)[];
  'difference_count'?: (number | string | Long);
}

export interface VerifyAssetsResponse__Output {
  'equal': (boolean);
  'staging': (_switchyard_v1_AssetTreeSummary__Output | null);
  'production': (_switchyard_v1_AssetTreeSummary__Output | null);
  'differences': (_switchyard_v1_AssetDifference__Output)[];
  'difference_count': (string);
}
