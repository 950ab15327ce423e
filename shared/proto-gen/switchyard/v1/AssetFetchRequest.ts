// Original file: proto/switchyard/v1/assets.proto

import type { Long } from '@grpc/proto-loader';

export interface AssetFetchRequest {
  'token'?: (string);
  'root'?: (string);
  'path'?: (string);
  'chunk_indexes'?: (number)[];
  'expected_sha256'?: (Buffer | Uint8Array | string);
  'expected_size'?: (number | string | Long);
  'request_id'?: (number | string | Long);
  'base_size'?: (number | string | Long);
  'base_sha256'?: (Buffer | Uint8Array | string);
  'end_with_chunk'?: (boolean);
}

export interface AssetFetchRequest__Output {
  'token': (string);
  'root': (string);
  'path': (string);
  'chunk_indexes': (number)[];
  'expected_sha256': (Buffer);
  'expected_size': (string);
  'request_id': (string);
  'base_size': (string);
  'base_sha256': (Buffer);
  'end_with_chunk': (boolean);
}
