// Original file: proto/switchyard/v1/database.proto


export interface ColumnInfo {
  'name'?: (string);
  'data_type'?: (string);
  'column_type'?: (string);
  'charset'?: (string);
  'collation'?: (string);
  'generated'?: (boolean);
  'nullable'?: (boolean);
}

export interface ColumnInfo__Output {
  'name': (string);
  'data_type': (string);
  'column_type': (string);
  'charset': (string);
  'collation': (string);
  'generated': (boolean);
  'nullable': (boolean);
}
