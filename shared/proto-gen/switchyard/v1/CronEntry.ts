// Original file: proto/switchyard/v1/agent.proto


export interface CronEntry {
  'user'?: (string);
  'schedule'?: (string);
  'program'?: (string);
  'digest'?: (string);
  'file'?: (string);
  'line'?: (number);
}

export interface CronEntry__Output {
  'user': (string);
  'schedule': (string);
  'program': (string);
  'digest': (string);
  'file': (string);
  'line': (number);
}
