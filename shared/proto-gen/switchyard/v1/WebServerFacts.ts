// Original file: proto/switchyard/v1/agent.proto


export interface WebServerFacts {
  'kind'?: (string);
  'binary'?: (string);
  'version'?: (string);
  'modules'?: (string)[];
  'error'?: (string);
}

export interface WebServerFacts__Output {
  'kind': (string);
  'binary': (string);
  'version': (string);
  'modules': (string)[];
  'error': (string);
}
