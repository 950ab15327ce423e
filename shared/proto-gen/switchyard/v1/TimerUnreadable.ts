// Original file: proto/switchyard/v1/agent.proto


export interface TimerUnreadable {
  'name'?: (string);
  'file'?: (string);
  'error'?: (string);
}

export interface TimerUnreadable__Output {
  'name': (string);
  'file': (string);
  'error': (string);
}
