// Original file: proto/switchyard/v1/agent.proto


export interface AccessLogPositionRequest {
}

export interface AccessLogPositionRequest__Output {
}
