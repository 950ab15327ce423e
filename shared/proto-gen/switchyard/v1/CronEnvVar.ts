// Original file: proto/switchyard/v1/agent.proto


export interface CronEnvVar {
  'file'?: (string);
  'user'?: (string);
  'name'?: (string);
  'digest'?: (string);
}

export interface CronEnvVar__Output {
  'file': (string);
  'user': (string);
  'name': (string);
  'digest': (string);
}
