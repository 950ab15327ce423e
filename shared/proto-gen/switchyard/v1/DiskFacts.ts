// Original file: proto/switchyard/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface DiskFacts {
  'root'?: (string);
  'path'?: (string);
  'free_bytes'?: (number | string | Long);
  'total_bytes'?: (number | string | Long);
  'error'?: (string);
}

export interface DiskFacts__Output {
  'root': (string);
  'path': (string);
  'free_bytes': (string);
  'total_bytes': (string);
  'error': (string);
}
