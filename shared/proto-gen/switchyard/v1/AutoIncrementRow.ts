// Original file: proto/switchyard/v1/database.proto


export interface AutoIncrementRow {
  'table'?: (string);
  'staging'?: (string);
  'production'?: (string);
  'risk'?: (boolean);
}

export interface AutoIncrementRow__Output {
  'table': (string);
  'staging': (string);
  'production': (string);
  'risk': (boolean);
}
