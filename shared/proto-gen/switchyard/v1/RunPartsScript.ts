// Original file: proto/switchyard/v1/agent.proto


export interface RunPartsScript {
  'dir'?: (string);
  'name'?: (string);
  'digest'?: (string);
  'large'?: (boolean);
  'file'?: (string);
}

export interface RunPartsScript__Output {
  'dir': (string);
  'name': (string);
  'digest': (string);
  'large': (boolean);
  'file': (string);
}
