// Original file: proto/switchyard/v1/database.proto


export interface RewriteRule {
  'from'?: (string);
  'to'?: (string);
  'skip_columns'?: (string)[];
  'schemes'?: (string);
}

export interface RewriteRule__Output {
  'from': (string);
  'to': (string);
  'skip_columns': (string)[];
  'schemes': (string);
}
