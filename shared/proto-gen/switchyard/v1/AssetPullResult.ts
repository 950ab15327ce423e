// Original file: proto/switchyard/v1/assets.proto

import type { AssetTreeSummary as _switchyard_v1_AssetTreeSummary, AssetTreeSummary__Output as _switchyard_v1_AssetTreeSummary__Output } from '../../switchyard/v1/AssetTreeSummary.js';
import type { Long } from '@grpc/proto-loader';

export interface AssetPullResult {
  'files_copied'?: (number | string | Long);
  'bytes_copied'?: (number | string | Long);
  'bytes_wire'?: (number | string | Long);
  'bytes_reused'?: (number | string | Long);
  'bytes_resumed'?: (number | string | Long);
  'entries_deleted'?: (number | string | Long);
  'files_changed_during_copy'?: (number | string | Long);
  'files_vanished_during_copy'?: (number | string | Long);
  'refused'?: (string)[];
  'staging'?: (_switchyard_v1_AssetTreeSummary | null);
  'production'?: (_switchyard_v1_AssetTreeSummary | null);
  'equal'?: (boolean);
  'seconds'?: (number | string);
  'metadata_fixed'?: (number | string | Long);
  'from_journal'?: (boolean);
}

export interface AssetPullResult__Output {
  'files_copied': (string);
  'bytes_copied': (string);
  'bytes_wire': (string);
  'bytes_reused': (string);
  'bytes_resumed': (string);
  'entries_deleted': (string);
  'files_changed_during_copy': (string);
  'files_vanished_during_copy': (string);
  'refused': (string)[];
  'staging': (_switchyard_v1_AssetTreeSummary__Output | null);
  'production': (_switchyard_v1_AssetTreeSummary__Output | null);
  'equal': (boolean);
  'seconds': (number);
  'metadata_fixed': (string);
  'from_journal': (boolean);
}
