// Original file: proto/switchyard/v1/agent.proto


export interface FpmPoolUnreadable {
  'file'?: (string);
  'pool'?: (string);
  'name'?: (string);
  'error'?: (string);
}

export interface FpmPoolUnreadable__Output {
  'file': (string);
  'pool': (string);
  'name': (string);
  'error': (string);
}
