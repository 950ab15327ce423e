// Original file: proto/switchyard/v1/agent.proto


export interface RunPartsUnreadable {
  'dir'?: (string);
  'name'?: (string);
  'file'?: (string);
  'error'?: (string);
}

export interface RunPartsUnreadable__Output {
  'dir': (string);
  'name': (string);
  'file': (string);
  'error': (string);
}
