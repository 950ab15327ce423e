// Original file: proto/switchyard/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface AccessLogPositionResponse {
  'path'?: (string);
  'inode'?: (string);
  'offset'?: (number | string | Long);
  'at'?: (string);
  'tail_sha256'?: (string);
  'dev'?: (string);
}

export interface AccessLogPositionResponse__Output {
  'path': (string);
  'inode': (string);
  'offset': (string);
  'at': (string);
  'tail_sha256': (string);
  'dev': (string);
}
