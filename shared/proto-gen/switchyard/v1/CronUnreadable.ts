// Original file: proto/switchyard/v1/agent.proto


export interface CronUnreadable {
  'file'?: (string);
  'user'?: (string);
  'error'?: (string);
}

export interface CronUnreadable__Output {
  'file': (string);
  'user': (string);
  'error': (string);
}
