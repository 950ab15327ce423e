// Original file: proto/switchyard/v1/agent.proto


export interface SiteQuery {
  'host'?: (string);
  'address'?: (string);
  'ports'?: (string)[];
}

export interface SiteQuery__Output {
  'host': (string);
  'address': (string);
  'ports': (string)[];
}
