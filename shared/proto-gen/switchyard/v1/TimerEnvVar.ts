// Original file: proto/switchyard/v1/agent.proto


export interface TimerEnvVar {
  'name'?: (string);
  'digest'?: (string);
  'from'?: (string);
}

export interface TimerEnvVar__Output {
  'name': (string);
  'digest': (string);
  'from': (string);
}
