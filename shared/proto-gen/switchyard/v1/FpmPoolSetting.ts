// Original file: proto/switchyard/v1/agent.proto


export interface FpmPoolSetting {
  'pool'?: (string);
  'name'?: (string);
  'value'?: (string);
  'digest'?: (string);
  'flag'?: (boolean);
  'file'?: (string);
  'env'?: (boolean);
}

export interface FpmPoolSetting__Output {
  'pool': (string);
  'name': (string);
  'value': (string);
  'digest': (string);
  'flag': (boolean);
  'file': (string);
  'env': (boolean);
}
