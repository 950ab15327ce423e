// Original file: proto/switchyard/v1/agent.proto


export interface TimerUnit {
  'name'?: (string);
  'schedule'?: (string)[];
  'service'?: (string);
  'service_digest'?: (string);
  'file'?: (string);
}

export interface TimerUnit__Output {
  'name': (string);
  'schedule': (string)[];
  'service': (string);
  'service_digest': (string);
  'file': (string);
}
