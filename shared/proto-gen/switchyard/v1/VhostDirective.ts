// Original file: proto/switchyard/v1/agent.proto


export interface VhostDirective {
  'context'?: (string);
  'name'?: (string);
  'param'?: (string);
  'value'?: (string);
  'secret'?: (boolean);
  'error'?: (string);
}

export interface VhostDirective__Output {
  'context': (string);
  'name': (string);
  'param': (string);
  'value': (string);
  'secret': (boolean);
  'error': (string);
}
