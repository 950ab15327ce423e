// Original file: proto/switchyard/v1/database.proto


export interface SchemaObject {
  'kind'?: (string);
  'name'?: (string);
  'create_sql'?: (string);
  'sql_mode'?: (string);
  'character_set_client'?: (string);
  'collation_connection'?: (string);
  'time_zone'?: (string);
}

export interface SchemaObject__Output {
  'kind': (string);
  'name': (string);
  'create_sql': (string);
  'sql_mode': (string);
  'character_set_client': (string);
  'collation_connection': (string);
  'time_zone': (string);
}
