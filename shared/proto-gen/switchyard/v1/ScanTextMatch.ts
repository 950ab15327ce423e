// Original file: proto/switchyard/v1/agent.proto


export interface ScanTextMatch {
  'path'?: (string);
  'line'?: (number);
  'excerpt'?: (string);
}

export interface ScanTextMatch__Output {
  'path': (string);
  'line': (number);
  'excerpt': (string);
}
