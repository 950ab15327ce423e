// Original file: proto/switchyard/v1/agent.proto


export interface PhpFacts {
  'present'?: (boolean);
  'binary'?: (string);
  'version'?: (string);
  'modules'?: (string)[];
  'error'?: (string);
  'ini'?: ({[key: string]: string});
  'ini_error'?: (string);
  'ini_defaults'?: (string)[];
  'ini_forced'?: (string)[];
}

export interface PhpFacts__Output {
  'present': (boolean);
  'binary': (string);
  'version': (string);
  'modules': (string)[];
  'error': (string);
  'ini': ({[key: string]: string});
  'ini_error': (string);
  'ini_defaults': (string)[];
  'ini_forced': (string)[];
}
