// Original file: proto/switchyard/v1/assets.proto

import type { Long } from '@grpc/proto-loader';

export interface AssetTreeSummary {
  'digest'?: (string);
  'files'?: (number | string | Long);
  'dirs'?: (number | string | Long);
  'symlinks'?: (number | string | Long);
  'bytes'?: (number | string | Long);
  'journal_epoch'?: (string);
  'journal_seq'?: (number | string | Long);
}

export interface AssetTreeSummary__Output {
  'digest': (string);
  'files': (string);
  'dirs': (string);
  'symlinks': (string);
  'bytes': (string);
  'journal_epoch': (string);
  'journal_seq': (string);
}
