// Original file: proto/switchyard/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface LogPosition {
  'inode'?: (string);
  'dev'?: (string);
  'offset'?: (number | string | Long);
  'tail_sha256'?: (string);
}

export interface LogPosition__Output {
  'inode': (string);
  'dev': (string);
  'offset': (string);
  'tail_sha256': (string);
}
