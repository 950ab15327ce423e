// Original file: proto/switchyard/v1/agent.proto


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
}
