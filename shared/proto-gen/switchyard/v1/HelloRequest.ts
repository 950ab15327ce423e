// Original file: proto/switchyard/v1/agent.proto


export interface HelloRequest {
}

export interface HelloRequest__Output {
}
