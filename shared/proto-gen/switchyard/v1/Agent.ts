// Original file: /work/main/proto/switchyard/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Facts as _switchyard_v1_Facts, Facts__Output as _switchyard_v1_Facts__Output } from '../../switchyard/v1/Facts.js';
import type { GetFactsRequest as _switchyard_v1_GetFactsRequest, GetFactsRequest__Output as _switchyard_v1_GetFactsRequest__Output } from '../../switchyard/v1/GetFactsRequest.js';
import type { HelloRequest as _switchyard_v1_HelloRequest, HelloRequest__Output as _switchyard_v1_HelloRequest__Output } from '../../switchyard/v1/HelloRequest.js';
import type { HelloResponse as _switchyard_v1_HelloResponse, HelloResponse__Output as _switchyard_v1_HelloResponse__Output } from '../../switchyard/v1/HelloResponse.js';

export interface AgentClient extends grpc.Client {
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
  
}

export interface AgentHandlers extends grpc.UntypedServiceImplementation {
  GetFacts: grpc.handleUnaryCall<_switchyard_v1_GetFactsRequest__Output, _switchyard_v1_Facts>;
  
  Hello: grpc.handleUnaryCall<_switchyard_v1_HelloRequest__Output, _switchyard_v1_HelloResponse>;
  
}

export interface AgentDefinition extends grpc.ServiceDefinition {
  GetFacts: MethodDefinition<_switchyard_v1_GetFactsRequest, _switchyard_v1_Facts, _switchyard_v1_GetFactsRequest__Output, _switchyard_v1_Facts__Output>
  Hello: MethodDefinition<_switchyard_v1_HelloRequest, _switchyard_v1_HelloResponse, _switchyard_v1_HelloRequest__Output, _switchyard_v1_HelloResponse__Output>
}
