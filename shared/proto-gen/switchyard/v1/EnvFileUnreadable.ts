// Original file: proto/switchyard/v1/agent.proto


export interface EnvFileUnreadable {
  'file'?: (string);
  'code'?: (string);
  'label'?: (string);
  'user'?: (string);
}

export interface EnvFileUnreadable__Output {
  'file': (string);
  'code': (string);
  'label': (string);
  'user': (string);
}
