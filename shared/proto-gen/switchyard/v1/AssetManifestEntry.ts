// Original file: proto/switchyard/v1/assets.proto

import type { Long } from '@grpc/proto-loader';

export interface AssetManifestEntry {
  'path'?: (string);
  'type'?: (string);
  'mode'?: (number);
  'size'?: (number | string | Long);
  'mtime_ns'?: (number | string | Long);
  'sha256'?: (Buffer | Uint8Array | string);
  'chunks'?: (Buffer | Uint8Array | string);
  'target'?: (string);
}

export interface AssetManifestEntry__Output {
  'path': (string);
  'type': (string);
  'mode': (number);
  'size': (string);
  'mtime_ns': (string);
  'sha256': (Buffer);
  'chunks': (Buffer);
  'target': (string);
}
