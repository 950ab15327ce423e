// Original file: proto/switchyard/v1/assets.proto

import type { AssetManifestEntry as _switchyard_v1_AssetManifestEntry, AssetManifestEntry__Output as _switchyard_v1_AssetManifestEntry__Output } from '../../switchyard/v1/AssetManifestEntry.js';
import type { AssetTreeSummary as _switchyard_v1_AssetTreeSummary, AssetTreeSummary__Output as _switchyard_v1_AssetTreeSummary__Output } from '../../switchyard/v1/AssetTreeSummary.js';
import type { Long } from '@grpc/proto-loader';

export interface AssetManifestBatch {
  'entries'?: (_switchyard_v1_AssetManifestEntry)[];
  'summary'?: (_switchyard_v1_AssetTreeSummary | null);
  'chunk_size'?: (number);
  'deleted'?: (string)[];
  'complete'?: (boolean);
  'journal_epoch'?: (string);
  'journal_seq'?: (number | string | Long);
}

export interface AssetManifestBatch__Output {
  'entries': (_switchyard_v1_AssetManifestEntry__Output)[];
  'summary': (_switchyard_v1_AssetTreeSummary__Output | null);
  'chunk_size': (number);
  'deleted': (string)[];
  'complete': (boolean);
  'journal_epoch': (string);
  'journal_seq': (string);
}
