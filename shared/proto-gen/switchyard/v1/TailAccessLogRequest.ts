// Original file: proto/switchyard/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface TailAccessLogRequest {
  'interval_ms'?: (number);
  'exclude_user_agent'?: (string);
  'from_inode'?: (string);
  'from_offset'?: (number | string | Long);
  'from_tail_sha256'?: (string);
  'from_dev'?: (string);
}

export interface TailAccessLogRequest__Output {
  'interval_ms': (number);
  'exclude_user_agent': (string);
  'from_inode': (string);
  'from_offset': (string);
  'from_tail_sha256': (string);
  'from_dev': (string);
}
