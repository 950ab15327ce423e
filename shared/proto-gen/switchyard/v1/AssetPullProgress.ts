// Original file: proto/switchyard/v1/assets.proto

import type { Long } from '@grpc/proto-loader';

export interface AssetPullProgress {
  'phase'?: (string);
  'files_done'?: (number | string | Long);
  'files_total'?: (number | string | Long);
  'bytes_done'?: (number | string | Long);
  'bytes_total'?: (number | string | Long);
  'bytes_wire'?: (number | string | Long);
  'rate_bytes_per_second'?: (number | string);
  'eta_seconds'?: (number | string);
}

export interface AssetPullProgress__Output {
  'phase': (string);
  'files_done': (string);
  'files_total': (string);
  'bytes_done': (string);
  'bytes_total': (string);
  'bytes_wire': (string);
  'rate_bytes_per_second': (number);
  'eta_seconds': (number);
}
