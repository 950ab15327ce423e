// Original file: proto/switchyard/v1/agent.proto


export interface TailAccessLogRequest {
  'interval_ms'?: (number);
}

export interface TailAccessLogRequest__Output {
  'interval_ms': (number);
}
