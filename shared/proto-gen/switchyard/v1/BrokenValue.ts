// Original file: proto/switchyard/v1/database.proto


export interface BrokenValue {
  'table'?: (string);
  'column'?: (string);
  'key'?: (string);
  'reason'?: (string);
}

export interface BrokenValue__Output {
  'table': (string);
  'column': (string);
  'key': (string);
  'reason': (string);
}
