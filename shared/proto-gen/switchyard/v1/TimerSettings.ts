// Original file: proto/switchyard/v1/agent.proto


export interface TimerSettings {
  'persistent'?: (string);
  'randomized_delay_sec'?: (string);
  'user'?: (string);
}

export interface TimerSettings__Output {
  'persistent': (string);
  'randomized_delay_sec': (string);
  'user': (string);
}
