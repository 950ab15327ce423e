// Original file: proto/switchyard/v1/agent.proto


export interface RunCommandRequest {
  'name'?: (string);
}

export interface RunCommandRequest__Output {
  'name': (string);
}
