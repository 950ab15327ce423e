// Original file: proto/switchyard/v1/agent.proto


export interface DatabaseFacts {
  'configured'?: (boolean);
  'reachable'?: (boolean);
  'error'?: (string);
  'version'?: (string);
  'flavor'?: (string);
  'variables'?: ({[key: string]: string});
}

export interface DatabaseFacts__Output {
  'configured': (boolean);
  'reachable': (boolean);
  'error': (string);
  'version': (string);
  'flavor': (string);
  'variables': ({[key: string]: string});
}
