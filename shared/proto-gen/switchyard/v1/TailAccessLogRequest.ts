// Original file: proto/switchyard/v1/agent.proto


export interface TailAccessLogRequest {
  'interval_ms'?: (number);
  'exclude_user_agent'?: (string);
}

export interface TailAccessLogRequest__Output {
  'interval_ms': (number);
  'exclude_user_agent': (string);
}
