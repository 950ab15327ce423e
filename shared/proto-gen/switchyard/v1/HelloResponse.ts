// Original file: proto/switchyard/v1/agent.proto


export interface HelloResponse {
  'name'?: (string);
  'version'?: (string);
  'started_at'?: (string);
  'asset_roots'?: (string)[];
  'commands'?: (string)[];
  'database_configured'?: (boolean);
}

export interface HelloResponse__Output {
  'name': (string);
  'version': (string);
  'started_at': (string);
  'asset_roots': (string)[];
  'commands': (string)[];
  'database_configured': (boolean);
}
