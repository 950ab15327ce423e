// Original file: proto/switchyard/v1/agent.proto

import type { LogPosition as _switchyard_v1_LogPosition, LogPosition__Output as _switchyard_v1_LogPosition__Output } from '../../switchyard/v1/LogPosition.js';

export interface StatusCounts {
  'window_start'?: (string);
  'interval_ms'?: (number);
  'total'?: (number);
  'by_class'?: ({[key: string]: number});
  'by_status'?: ({[key: number]: number});
  'unparsed'?: (number);
  'rotations'?: (string)[];
  'path'?: (string);
  'excluded'?: (number);
  'excluded_user_agent'?: (string);
  'start'?: (string);
  'unread'?: (string)[];
  'read_error'?: (string);
  'counted_to'?: (_switchyard_v1_LogPosition | null);
  'unplaced'?: (string)[];
}

export interface StatusCounts__Output {
  'window_start': (string);
  'interval_ms': (number);
  'total': (number);
  'by_class': ({[key: string]: number});
  'by_status': ({[key: number]: number});
  'unparsed': (number);
  'rotations': (string)[];
  'path': (string);
  'excluded': (number);
  'excluded_user_agent': (string);
  'start': (string);
  'unread': (string)[];
  'read_error': (string);
  'counted_to': (_switchyard_v1_LogPosition__Output | null);
  'unplaced': (string)[];
}
