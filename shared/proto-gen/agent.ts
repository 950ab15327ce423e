import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AccessLogPositionRequest as _switchyard_v1_AccessLogPositionRequest, AccessLogPositionRequest__Output as _switchyard_v1_AccessLogPositionRequest__Output } from './switchyard/v1/AccessLogPositionRequest.js';
import type { AccessLogPositionResponse as _switchyard_v1_AccessLogPositionResponse, AccessLogPositionResponse__Output as _switchyard_v1_AccessLogPositionResponse__Output } from './switchyard/v1/AccessLogPositionResponse.js';
import type { AgentClient as _switchyard_v1_AgentClient, AgentDefinition as _switchyard_v1_AgentDefinition } from './switchyard/v1/Agent.js';
import type { AssetRootPath as _switchyard_v1_AssetRootPath, AssetRootPath__Output as _switchyard_v1_AssetRootPath__Output } from './switchyard/v1/AssetRootPath.js';
import type { CronEntry as _switchyard_v1_CronEntry, CronEntry__Output as _switchyard_v1_CronEntry__Output } from './switchyard/v1/CronEntry.js';
import type { CronEnvVar as _switchyard_v1_CronEnvVar, CronEnvVar__Output as _switchyard_v1_CronEnvVar__Output } from './switchyard/v1/CronEnvVar.js';
import type { CronFacts as _switchyard_v1_CronFacts, CronFacts__Output as _switchyard_v1_CronFacts__Output } from './switchyard/v1/CronFacts.js';
import type { CronUnreadable as _switchyard_v1_CronUnreadable, CronUnreadable__Output as _switchyard_v1_CronUnreadable__Output } from './switchyard/v1/CronUnreadable.js';
import type { DatabaseFacts as _switchyard_v1_DatabaseFacts, DatabaseFacts__Output as _switchyard_v1_DatabaseFacts__Output } from './switchyard/v1/DatabaseFacts.js';
import type { DiskFacts as _switchyard_v1_DiskFacts, DiskFacts__Output as _switchyard_v1_DiskFacts__Output } from './switchyard/v1/DiskFacts.js';
import type { EnvFileUnreadable as _switchyard_v1_EnvFileUnreadable, EnvFileUnreadable__Output as _switchyard_v1_EnvFileUnreadable__Output } from './switchyard/v1/EnvFileUnreadable.js';
import type { EnvVarDigest as _switchyard_v1_EnvVarDigest, EnvVarDigest__Output as _switchyard_v1_EnvVarDigest__Output } from './switchyard/v1/EnvVarDigest.js';
import type { Facts as _switchyard_v1_Facts, Facts__Output as _switchyard_v1_Facts__Output } from './switchyard/v1/Facts.js';
import type { FpmPoolSetting as _switchyard_v1_FpmPoolSetting, FpmPoolSetting__Output as _switchyard_v1_FpmPoolSetting__Output } from './switchyard/v1/FpmPoolSetting.js';
import type { FpmPoolUnreadable as _switchyard_v1_FpmPoolUnreadable, FpmPoolUnreadable__Output as _switchyard_v1_FpmPoolUnreadable__Output } from './switchyard/v1/FpmPoolUnreadable.js';
import type { GetFactsRequest as _switchyard_v1_GetFactsRequest, GetFactsRequest__Output as _switchyard_v1_GetFactsRequest__Output } from './switchyard/v1/GetFactsRequest.js';
import type { HelloRequest as _switchyard_v1_HelloRequest, HelloRequest__Output as _switchyard_v1_HelloRequest__Output } from './switchyard/v1/HelloRequest.js';
import type { HelloResponse as _switchyard_v1_HelloResponse, HelloResponse__Output as _switchyard_v1_HelloResponse__Output } from './switchyard/v1/HelloResponse.js';
import type { LocaleFacts as _switchyard_v1_LocaleFacts, LocaleFacts__Output as _switchyard_v1_LocaleFacts__Output } from './switchyard/v1/LocaleFacts.js';
import type { LogPosition as _switchyard_v1_LogPosition, LogPosition__Output as _switchyard_v1_LogPosition__Output } from './switchyard/v1/LogPosition.js';
import type { OsFacts as _switchyard_v1_OsFacts, OsFacts__Output as _switchyard_v1_OsFacts__Output } from './switchyard/v1/OsFacts.js';
import type { PhpFacts as _switchyard_v1_PhpFacts, PhpFacts__Output as _switchyard_v1_PhpFacts__Output } from './switchyard/v1/PhpFacts.js';
import type { PhpFpmFacts as _switchyard_v1_PhpFpmFacts, PhpFpmFacts__Output as _switchyard_v1_PhpFpmFacts__Output } from './switchyard/v1/PhpFpmFacts.js';
import type { RunCommandRequest as _switchyard_v1_RunCommandRequest, RunCommandRequest__Output as _switchyard_v1_RunCommandRequest__Output } from './switchyard/v1/RunCommandRequest.js';
import type { RunCommandResponse as _switchyard_v1_RunCommandResponse, RunCommandResponse__Output as _switchyard_v1_RunCommandResponse__Output } from './switchyard/v1/RunCommandResponse.js';
import type { RunPartsFacts as _switchyard_v1_RunPartsFacts, RunPartsFacts__Output as _switchyard_v1_RunPartsFacts__Output } from './switchyard/v1/RunPartsFacts.js';
import type { RunPartsScript as _switchyard_v1_RunPartsScript, RunPartsScript__Output as _switchyard_v1_RunPartsScript__Output } from './switchyard/v1/RunPartsScript.js';
import type { RunPartsUnreadable as _switchyard_v1_RunPartsUnreadable, RunPartsUnreadable__Output as _switchyard_v1_RunPartsUnreadable__Output } from './switchyard/v1/RunPartsUnreadable.js';
import type { ScanTextMatch as _switchyard_v1_ScanTextMatch, ScanTextMatch__Output as _switchyard_v1_ScanTextMatch__Output } from './switchyard/v1/ScanTextMatch.js';
import type { ScanTextRequest as _switchyard_v1_ScanTextRequest, ScanTextRequest__Output as _switchyard_v1_ScanTextRequest__Output } from './switchyard/v1/ScanTextRequest.js';
import type { ScanTextResponse as _switchyard_v1_ScanTextResponse, ScanTextResponse__Output as _switchyard_v1_ScanTextResponse__Output } from './switchyard/v1/ScanTextResponse.js';
import type { SiteQuery as _switchyard_v1_SiteQuery, SiteQuery__Output as _switchyard_v1_SiteQuery__Output } from './switchyard/v1/SiteQuery.js';
import type { StatusCounts as _switchyard_v1_StatusCounts, StatusCounts__Output as _switchyard_v1_StatusCounts__Output } from './switchyard/v1/StatusCounts.js';
import type { TailAccessLogRequest as _switchyard_v1_TailAccessLogRequest, TailAccessLogRequest__Output as _switchyard_v1_TailAccessLogRequest__Output } from './switchyard/v1/TailAccessLogRequest.js';
import type { TimerEnvVar as _switchyard_v1_TimerEnvVar, TimerEnvVar__Output as _switchyard_v1_TimerEnvVar__Output } from './switchyard/v1/TimerEnvVar.js';
import type { TimerFacts as _switchyard_v1_TimerFacts, TimerFacts__Output as _switchyard_v1_TimerFacts__Output } from './switchyard/v1/TimerFacts.js';
import type { TimerSettings as _switchyard_v1_TimerSettings, TimerSettings__Output as _switchyard_v1_TimerSettings__Output } from './switchyard/v1/TimerSettings.js';
import type { TimerUnit as _switchyard_v1_TimerUnit, TimerUnit__Output as _switchyard_v1_TimerUnit__Output } from './switchyard/v1/TimerUnit.js';
import type { TimerUnreadable as _switchyard_v1_TimerUnreadable, TimerUnreadable__Output as _switchyard_v1_TimerUnreadable__Output } from './switchyard/v1/TimerUnreadable.js';
import type { TlsCertificateFacts as _switchyard_v1_TlsCertificateFacts, TlsCertificateFacts__Output as _switchyard_v1_TlsCertificateFacts__Output } from './switchyard/v1/TlsCertificateFacts.js';
import type { VhostDirective as _switchyard_v1_VhostDirective, VhostDirective__Output as _switchyard_v1_VhostDirective__Output } from './switchyard/v1/VhostDirective.js';
import type { VirtualHostFacts as _switchyard_v1_VirtualHostFacts, VirtualHostFacts__Output as _switchyard_v1_VirtualHostFacts__Output } from './switchyard/v1/VirtualHostFacts.js';
import type { WebServerFacts as _switchyard_v1_WebServerFacts, WebServerFacts__Output as _switchyard_v1_WebServerFacts__Output } from './switchyard/v1/WebServerFacts.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  switchyard: {
    v1: {
      AccessLogPositionRequest: MessageTypeDefinition<_switchyard_v1_AccessLogPositionRequest, _switchyard_v1_AccessLogPositionRequest__Output>
      AccessLogPositionResponse: MessageTypeDefinition<_switchyard_v1_AccessLogPositionResponse, _switchyard_v1_AccessLogPositionResponse__Output>
      Agent: SubtypeConstructor<typeof grpc.Client, _switchyard_v1_AgentClient> & { service: _switchyard_v1_AgentDefinition }
      AssetRootPath: MessageTypeDefinition<_switchyard_v1_AssetRootPath, _switchyard_v1_AssetRootPath__Output>
      CronEntry: MessageTypeDefinition<_switchyard_v1_CronEntry, _switchyard_v1_CronEntry__Output>
      CronEnvVar: MessageTypeDefinition<_switchyard_v1_CronEnvVar, _switchyard_v1_CronEnvVar__Output>
      CronFacts: MessageTypeDefinition<_switchyard_v1_CronFacts, _switchyard_v1_CronFacts__Output>
      CronUnreadable: MessageTypeDefinition<_switchyard_v1_CronUnreadable, _switchyard_v1_CronUnreadable__Output>
      DatabaseFacts: MessageTypeDefinition<_switchyard_v1_DatabaseFacts, _switchyard_v1_DatabaseFacts__Output>
      DiskFacts: MessageTypeDefinition<_switchyard_v1_DiskFacts, _switchyard_v1_DiskFacts__Output>
      EnvFileUnreadable: MessageTypeDefinition<_switchyard_v1_EnvFileUnreadable, _switchyard_v1_EnvFileUnreadable__Output>
      EnvVarDigest: MessageTypeDefinition<_switchyard_v1_EnvVarDigest, _switchyard_v1_EnvVarDigest__Output>
      Facts: MessageTypeDefinition<_switchyard_v1_Facts, _switchyard_v1_Facts__Output>
      FpmPoolSetting: MessageTypeDefinition<_switchyard_v1_FpmPoolSetting, _switchyard_v1_FpmPoolSetting__Output>
      FpmPoolUnreadable: MessageTypeDefinition<_switchyard_v1_FpmPoolUnreadable, _switchyard_v1_FpmPoolUnreadable__Output>
      GetFactsRequest: MessageTypeDefinition<_switchyard_v1_GetFactsRequest, _switchyard_v1_GetFactsRequest__Output>
      HelloRequest: MessageTypeDefinition<_switchyard_v1_HelloRequest, _switchyard_v1_HelloRequest__Output>
      HelloResponse: MessageTypeDefinition<_switchyard_v1_HelloResponse, _switchyard_v1_HelloResponse__Output>
      LocaleFacts: MessageTypeDefinition<_switchyard_v1_LocaleFacts, _switchyard_v1_LocaleFacts__Output>
      LogPosition: MessageTypeDefinition<_switchyard_v1_LogPosition, _switchyard_v1_LogPosition__Output>
      OsFacts: MessageTypeDefinition<_switchyard_v1_OsFacts, _switchyard_v1_OsFacts__Output>
      PhpFacts: MessageTypeDefinition<_switchyard_v1_PhpFacts, _switchyard_v1_PhpFacts__Output>
      PhpFpmFacts: MessageTypeDefinition<_switchyard_v1_PhpFpmFacts, _switchyard_v1_PhpFpmFacts__Output>
      RunCommandRequest: MessageTypeDefinition<_switchyard_v1_RunCommandRequest, _switchyard_v1_RunCommandRequest__Output>
      RunCommandResponse: MessageTypeDefinition<_switchyard_v1_RunCommandResponse, _switchyard_v1_RunCommandResponse__Output>
      RunPartsFacts: MessageTypeDefinition<_switchyard_v1_RunPartsFacts, _switchyard_v1_RunPartsFacts__Output>
      RunPartsScript: MessageTypeDefinition<_switchyard_v1_RunPartsScript, _switchyard_v1_RunPartsScript__Output>
      RunPartsUnreadable: MessageTypeDefinition<_switchyard_v1_RunPartsUnreadable, _switchyard_v1_RunPartsUnreadable__Output>
      ScanTextMatch: MessageTypeDefinition<_switchyard_v1_ScanTextMatch, _switchyard_v1_ScanTextMatch__Output>
      ScanTextRequest: MessageTypeDefinition<_switchyard_v1_ScanTextRequest, _switchyard_v1_ScanTextRequest__Output>
      ScanTextResponse: MessageTypeDefinition<_switchyard_v1_ScanTextResponse, _switchyard_v1_ScanTextResponse__Output>
      SiteQuery: MessageTypeDefinition<_switchyard_v1_SiteQuery, _switchyard_v1_SiteQuery__Output>
      StatusCounts: MessageTypeDefinition<_switchyard_v1_StatusCounts, _switchyard_v1_StatusCounts__Output>
      TailAccessLogRequest: MessageTypeDefinition<_switchyard_v1_TailAccessLogRequest, _switchyard_v1_TailAccessLogRequest__Output>
      TimerEnvVar: MessageTypeDefinition<_switchyard_v1_TimerEnvVar, _switchyard_v1_TimerEnvVar__Output>
      TimerFacts: MessageTypeDefinition<_switchyard_v1_TimerFacts, _switchyard_v1_TimerFacts__Output>
      TimerSettings: MessageTypeDefinition<_switchyard_v1_TimerSettings, _switchyard_v1_TimerSettings__Output>
      TimerUnit: MessageTypeDefinition<_switchyard_v1_TimerUnit, _switchyard_v1_TimerUnit__Output>
      TimerUnreadable: MessageTypeDefinition<_switchyard_v1_TimerUnreadable, _switchyard_v1_TimerUnreadable__Output>
      TlsCertificateFacts: MessageTypeDefinition<_switchyard_v1_TlsCertificateFacts, _switchyard_v1_TlsCertificateFacts__Output>
      VhostDirective: MessageTypeDefinition<_switchyard_v1_VhostDirective, _switchyard_v1_VhostDirective__Output>
      VirtualHostFacts: MessageTypeDefinition<_switchyard_v1_VirtualHostFacts, _switchyard_v1_VirtualHostFacts__Output>
      WebServerFacts: MessageTypeDefinition<_switchyard_v1_WebServerFacts, _switchyard_v1_WebServerFacts__Output>
    }
  }
}

