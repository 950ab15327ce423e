// Original file: proto/switchyard/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AccessLogPositionRequest as _switchyard_v1_AccessLogPositionRequest, AccessLogPositionRequest__Output as _switchyard_v1_AccessLogPositionRequest__Output } from '../../switchyard/v1/AccessLogPositionRequest.js';
import type { AccessLogPositionResponse as _switchyard_v1_AccessLogPositionResponse, AccessLogPositionResponse__Output as _switchyard_v1_AccessLogPositionResponse__Output } from '../../switchyard/v1/AccessLogPositionResponse.js';
import type { Facts as _switchyard_v1_Facts, Facts__Output as _switchyard_v1_Facts__Output } from '../../switchyard/v1/Facts.js';
import type { GetFactsRequest as _switchyard_v1_GetFactsRequest, GetFactsRequest__Output as _switchyard_v1_GetFactsRequest__Output } from '../../switchyard/v1/GetFactsRequest.js';
import type { HelloRequest as _switchyard_v1_HelloRequest, HelloRequest__Output as _switchyard_v1_HelloRequest__Output } from '../../switchyard/v1/HelloRequest.js';
import type { HelloResponse as _switchyard_v1_HelloResponse, HelloResponse__Output as _switchyard_v1_HelloResponse__Output } from '../../switchyard/v1/HelloResponse.js';
import type { RunCommandRequest as _switchyard_v1_RunCommandRequest, RunCommandRequest__Output as _switchyard_v1_RunCommandRequest__Output } from '../../switchyard/v1/RunCommandRequest.js';
import type { RunCommandResponse as _switchyard_v1_RunCommandResponse, RunCommandResponse__Output as _switchyard_v1_RunCommandResponse__Output } from '../../switchyard/v1/RunCommandResponse.js';
import type { ScanTextRequest as _switchyard_v1_ScanTextRequest, ScanTextRequest__Output as _switchyard_v1_ScanTextRequest__Output } from '../../switchyard/v1/ScanTextRequest.js';
import type { ScanTextResponse as _switchyard_v1_ScanTextResponse, ScanTextResponse__Output as _switchyard_v1_ScanTextResponse__Output } from '../../switchyard/v1/ScanTextResponse.js';
import type { StatusCounts as _switchyard_v1_StatusCounts, StatusCounts__Output as _switchyard_v1_StatusCounts__Output } from '../../switchyard/v1/StatusCounts.js';
import type { TailAccessLogRequest as _switchyard_v1_TailAccessLogRequest, TailAccessLogRequest__Output as _switchyard_v1_TailAccessLogRequest__Output } from '../../switchyard/v1/TailAccessLogRequest.js';

export interface AgentClient extends grpc.Client {
  AccessLogPosition(argument: _switchyard_v1_AccessLogPositionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AccessLogPositionResponse__Output>): grpc.ClientUnaryCall;
  AccessLogPosition(argument: _switchyard_v1_AccessLogPositionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_AccessLogPositionResponse__Output>): grpc.ClientUnaryCall;
  AccessLogPosition(argument: _switchyard_v1_AccessLogPositionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AccessLogPositionResponse__Output>): grpc.ClientUnaryCall;
  AccessLogPosition(argument: _switchyard_v1_AccessLogPositionRequest, callback: grpc.requestCallback<_switchyard_v1_AccessLogPositionResponse__Output>): grpc.ClientUnaryCall;
  accessLogPosition(argument: _switchyard_v1_AccessLogPositionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AccessLogPositionResponse__Output>): grpc.ClientUnaryCall;
  accessLogPosition(argument: _switchyard_v1_AccessLogPositionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_AccessLogPositionResponse__Output>): grpc.ClientUnaryCall;
  accessLogPosition(argument: _switchyard_v1_AccessLogPositionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AccessLogPositionResponse__Output>): grpc.ClientUnaryCall;
  accessLogPosition(argument: _switchyard_v1_AccessLogPositionRequest, callback: grpc.requestCallback<_switchyard_v1_AccessLogPositionResponse__Output>): grpc.ClientUnaryCall;
  
  GetFacts(argument: _switchyard_v1_GetFactsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_Facts__Output>): grpc.ClientUnaryCall;
  GetFacts(argument: _switchyard_v1_GetFactsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_Facts__Output>): grpc.ClientUnaryCall;
  GetFacts(argument: _switchyard_v1_GetFactsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_Facts__Output>): grpc.ClientUnaryCall;
  GetFacts(argument: _switchyard_v1_GetFactsRequest, callback: grpc.requestCallback<_switchyard_v1_Facts__Output>): grpc.ClientUnaryCall;
  getFacts(argument: _switchyard_v1_GetFactsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_Facts__Output>): grpc.ClientUnaryCall;
  getFacts(argument: _switchyard_v1_GetFactsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_Facts__Output>): grpc.ClientUnaryCall;
  getFacts(argument: _switchyard_v1_GetFactsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_Facts__Output>): grpc.ClientUnaryCall;
  getFacts(argument: _switchyard_v1_GetFactsRequest, callback: grpc.requestCallback<_switchyard_v1_Facts__Output>): grpc.ClientUnaryCall;
  
  Hello(argument: _switchyard_v1_HelloRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  Hello(argument: _switchyard_v1_HelloRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  Hello(argument: _switchyard_v1_HelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  Hello(argument: _switchyard_v1_HelloRequest, callback: grpc.requestCallback<_switchyard_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _switchyard_v1_HelloRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _switchyard_v1_HelloRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _switchyard_v1_HelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _switchyard_v1_HelloRequest, callback: grpc.requestCallback<_switchyard_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  
  RunCommand(argument: _switchyard_v1_RunCommandRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RunCommandResponse__Output>): grpc.ClientUnaryCall;
  RunCommand(argument: _switchyard_v1_RunCommandRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_RunCommandResponse__Output>): grpc.ClientUnaryCall;
  RunCommand(argument: _switchyard_v1_RunCommandRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RunCommandResponse__Output>): grpc.ClientUnaryCall;
  RunCommand(argument: _switchyard_v1_RunCommandRequest, callback: grpc.requestCallback<_switchyard_v1_RunCommandResponse__Output>): grpc.ClientUnaryCall;
  runCommand(argument: _switchyard_v1_RunCommandRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RunCommandResponse__Output>): grpc.ClientUnaryCall;
  runCommand(argument: _switchyard_v1_RunCommandRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_RunCommandResponse__Output>): grpc.ClientUnaryCall;
  runCommand(argument: _switchyard_v1_RunCommandRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RunCommandResponse__Output>): grpc.ClientUnaryCall;
  runCommand(argument: _switchyard_v1_RunCommandRequest, callback: grpc.requestCallback<_switchyard_v1_RunCommandResponse__Output>): grpc.ClientUnaryCall;
  
  ScanText(argument: _switchyard_v1_ScanTextRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_ScanTextResponse__Output>): grpc.ClientUnaryCall;
  ScanText(argument: _switchyard_v1_ScanTextRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_ScanTextResponse__Output>): grpc.ClientUnaryCall;
  ScanText(argument: _switchyard_v1_ScanTextRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_ScanTextResponse__Output>): grpc.ClientUnaryCall;
  ScanText(argument: _switchyard_v1_ScanTextRequest, callback: grpc.requestCallback<_switchyard_v1_ScanTextResponse__Output>): grpc.ClientUnaryCall;
  scanText(argument: _switchyard_v1_ScanTextRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_ScanTextResponse__Output>): grpc.ClientUnaryCall;
  scanText(argument: _switchyard_v1_ScanTextRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_ScanTextResponse__Output>): grpc.ClientUnaryCall;
  scanText(argument: _switchyard_v1_ScanTextRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_ScanTextResponse__Output>): grpc.ClientUnaryCall;
  scanText(argument: _switchyard_v1_ScanTextRequest, callback: grpc.requestCallback<_switchyard_v1_ScanTextResponse__Output>): grpc.ClientUnaryCall;
  
  TailAccessLog(argument: _switchyard_v1_TailAccessLogRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_StatusCounts__Output>;
  TailAccessLog(argument: _switchyard_v1_TailAccessLogRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_StatusCounts__Output>;
  tailAccessLog(argument: _switchyard_v1_TailAccessLogRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_StatusCounts__Output>;
  tailAccessLog(argument: _switchyard_v1_TailAccessLogRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_StatusCounts__Output>;
  
}

export interface AgentHandlers extends grpc.UntypedServiceImplementation {
  AccessLogPosition: grpc.handleUnaryCall<_switchyard_v1_AccessLogPositionRequest__Output, _switchyard_v1_AccessLogPositionResponse>;
  
  GetFacts: grpc.handleUnaryCall<_switchyard_v1_GetFactsRequest__Output, _switchyard_v1_Facts>;
  
  Hello: grpc.handleUnaryCall<_switchyard_v1_HelloRequest__Output, _switchyard_v1_HelloResponse>;
  
  RunCommand: grpc.handleUnaryCall<_switchyard_v1_RunCommandRequest__Output, _switchyard_v1_RunCommandResponse>;
  
  ScanText: grpc.handleUnaryCall<_switchyard_v1_ScanTextRequest__Output, _switchyard_v1_ScanTextResponse>;
  
  TailAccessLog: grpc.handleServerStreamingCall<_switchyard_v1_TailAccessLogRequest__Output, _switchyard_v1_StatusCounts>;
  
}

export interface AgentDefinition extends grpc.ServiceDefinition {
  AccessLogPosition: MethodDefinition<_switchyard_v1_AccessLogPositionRequest, _switchyard_v1_AccessLogPositionResponse, _switchyard_v1_AccessLogPositionRequest__Output, _switchyard_v1_AccessLogPositionResponse__Output>
  GetFacts: MethodDefinition<_switchyard_v1_GetFactsRequest, _switchyard_v1_Facts, _switchyard_v1_GetFactsRequest__Output, _switchyard_v1_Facts__Output>
  Hello: MethodDefinition<_switchyard_v1_HelloRequest, _switchyard_v1_HelloResponse, _switchyard_v1_HelloRequest__Output, _switchyard_v1_HelloResponse__Output>
  RunCommand: MethodDefinition<_switchyard_v1_RunCommandRequest, _switchyard_v1_RunCommandResponse, _switchyard_v1_RunCommandRequest__Output, _switchyard_v1_RunCommandResponse__Output>
  ScanText: MethodDefinition<_switchyard_v1_ScanTextRequest, _switchyard_v1_ScanTextResponse, _switchyard_v1_ScanTextRequest__Output, _switchyard_v1_ScanTextResponse__Output>
  TailAccessLog: MethodDefinition<_switchyard_v1_TailAccessLogRequest, _switchyard_v1_StatusCounts, _switchyard_v1_TailAccessLogRequest__Output, _switchyard_v1_StatusCounts__Output>
}
