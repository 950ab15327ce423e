// Original file: proto/switchyard/v1/agent.proto


export interface GetFactsRequest {
  'env_salt'?: (string);
}

export interface GetFactsRequest__Output {
  'env_salt': (string);
}
