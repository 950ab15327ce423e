// Original file: proto/switchyard/v1/agent.proto


export interface OsFacts {
  'platform'?: (string);
  'distro'?: (string);
  'kernel'?: (string);
  'arch'?: (string);
  'hostname'?: (string);
  'agent_version'?: (string);
  'node_version'?: (string);
}

export interface OsFacts__Output {
  'platform': (string);
  'distro': (string);
  'kernel': (string);
  'arch': (string);
  'hostname': (string);
  'agent_version': (string);
  'node_version': (string);
}
