// Original file: proto/switchyard/v1/agent.proto


export interface EnvVarDigest {
  'file'?: (string);
  'name'?: (string);
  'digest'?: (string);
  'label'?: (string);
}

export interface EnvVarDigest__Output {
  'file': (string);
  'name': (string);
  'digest': (string);
  'label': (string);
}
