// Original file: proto/switchyard/v1/assets.proto

import type { AssetPullProgress as _switchyard_v1_AssetPullProgress, AssetPullProgress__Output as _switchyard_v1_AssetPullProgress__Output } from '../../switchyard/v1/AssetPullProgress.js';
import type { AssetPullResult as _switchyard_v1_AssetPullResult, AssetPullResult__Output as _switchyard_v1_AssetPullResult__Output } from '../../switchyard/v1/AssetPullResult.js';

export interface AssetPullEvent {
  'progress'?: (_switchyard_v1_AssetPullProgress | null);
  'result'?: (_switchyard_v1_AssetPullResult | null);
  'kind'?: "progress"|"result";
}

export interface AssetPullEvent__Output {
  'progress'?: (_switchyard_v1_AssetPullProgress__Output | null);
  'result'?: (_switchyard_v1_AssetPullResult__Output | null);
  'kind'?: "progress"|"result";
}
