// Original file: proto/switchyard/v1/database.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AuthorizeTransferRequest as _switchyard_v1_AuthorizeTransferRequest, AuthorizeTransferRequest__Output as _switchyard_v1_AuthorizeTransferRequest__Output } from '../../switchyard/v1/AuthorizeTransferRequest.js';
import type { AuthorizeTransferResponse as _switchyard_v1_AuthorizeTransferResponse, AuthorizeTransferResponse__Output as _switchyard_v1_AuthorizeTransferResponse__Output } from '../../switchyard/v1/AuthorizeTransferResponse.js';
import type { ChecksumChunksRequest as _switchyard_v1_ChecksumChunksRequest, ChecksumChunksRequest__Output as _switchyard_v1_ChecksumChunksRequest__Output } from '../../switchyard/v1/ChecksumChunksRequest.js';
import type { ChunkChecksum as _switchyard_v1_ChunkChecksum, ChunkChecksum__Output as _switchyard_v1_ChunkChecksum__Output } from '../../switchyard/v1/ChunkChecksum.js';
import type { CloseSnapshotRequest as _switchyard_v1_CloseSnapshotRequest, CloseSnapshotRequest__Output as _switchyard_v1_CloseSnapshotRequest__Output } from '../../switchyard/v1/CloseSnapshotRequest.js';
import type { CloseSnapshotResponse as _switchyard_v1_CloseSnapshotResponse, CloseSnapshotResponse__Output as _switchyard_v1_CloseSnapshotResponse__Output } from '../../switchyard/v1/CloseSnapshotResponse.js';
import type { DbEvent as _switchyard_v1_DbEvent, DbEvent__Output as _switchyard_v1_DbEvent__Output } from '../../switchyard/v1/DbEvent.js';
import type { KeyBatch as _switchyard_v1_KeyBatch, KeyBatch__Output as _switchyard_v1_KeyBatch__Output } from '../../switchyard/v1/KeyBatch.js';
import type { LockWritesRequest as _switchyard_v1_LockWritesRequest, LockWritesRequest__Output as _switchyard_v1_LockWritesRequest__Output } from '../../switchyard/v1/LockWritesRequest.js';
import type { LockWritesResponse as _switchyard_v1_LockWritesResponse, LockWritesResponse__Output as _switchyard_v1_LockWritesResponse__Output } from '../../switchyard/v1/LockWritesResponse.js';
import type { MergeReport as _switchyard_v1_MergeReport, MergeReport__Output as _switchyard_v1_MergeReport__Output } from '../../switchyard/v1/MergeReport.js';
import type { MergeRequest as _switchyard_v1_MergeRequest, MergeRequest__Output as _switchyard_v1_MergeRequest__Output } from '../../switchyard/v1/MergeRequest.js';
import type { OpenSnapshotRequest as _switchyard_v1_OpenSnapshotRequest, OpenSnapshotRequest__Output as _switchyard_v1_OpenSnapshotRequest__Output } from '../../switchyard/v1/OpenSnapshotRequest.js';
import type { PreflightDatabaseRequest as _switchyard_v1_PreflightDatabaseRequest, PreflightDatabaseRequest__Output as _switchyard_v1_PreflightDatabaseRequest__Output } from '../../switchyard/v1/PreflightDatabaseRequest.js';
import type { PreflightReport as _switchyard_v1_PreflightReport, PreflightReport__Output as _switchyard_v1_PreflightReport__Output } from '../../switchyard/v1/PreflightReport.js';
import type { PullDatabaseRequest as _switchyard_v1_PullDatabaseRequest, PullDatabaseRequest__Output as _switchyard_v1_PullDatabaseRequest__Output } from '../../switchyard/v1/PullDatabaseRequest.js';
import type { ReleaseDatabaseRequest as _switchyard_v1_ReleaseDatabaseRequest, ReleaseDatabaseRequest__Output as _switchyard_v1_ReleaseDatabaseRequest__Output } from '../../switchyard/v1/ReleaseDatabaseRequest.js';
import type { ReleaseDatabaseResponse as _switchyard_v1_ReleaseDatabaseResponse, ReleaseDatabaseResponse__Output as _switchyard_v1_ReleaseDatabaseResponse__Output } from '../../switchyard/v1/ReleaseDatabaseResponse.js';
import type { RevokeTransferRequest as _switchyard_v1_RevokeTransferRequest, RevokeTransferRequest__Output as _switchyard_v1_RevokeTransferRequest__Output } from '../../switchyard/v1/RevokeTransferRequest.js';
import type { RevokeTransferResponse as _switchyard_v1_RevokeTransferResponse, RevokeTransferResponse__Output as _switchyard_v1_RevokeTransferResponse__Output } from '../../switchyard/v1/RevokeTransferResponse.js';
import type { RewriteReport as _switchyard_v1_RewriteReport, RewriteReport__Output as _switchyard_v1_RewriteReport__Output } from '../../switchyard/v1/RewriteReport.js';
import type { RewriteRequest as _switchyard_v1_RewriteRequest, RewriteRequest__Output as _switchyard_v1_RewriteRequest__Output } from '../../switchyard/v1/RewriteRequest.js';
import type { RollbackDatabaseRequest as _switchyard_v1_RollbackDatabaseRequest, RollbackDatabaseRequest__Output as _switchyard_v1_RollbackDatabaseRequest__Output } from '../../switchyard/v1/RollbackDatabaseRequest.js';
import type { RollbackDatabaseResponse as _switchyard_v1_RollbackDatabaseResponse, RollbackDatabaseResponse__Output as _switchyard_v1_RollbackDatabaseResponse__Output } from '../../switchyard/v1/RollbackDatabaseResponse.js';
import type { SnapshotInfo as _switchyard_v1_SnapshotInfo, SnapshotInfo__Output as _switchyard_v1_SnapshotInfo__Output } from '../../switchyard/v1/SnapshotInfo.js';
import type { StreamKeysRequest as _switchyard_v1_StreamKeysRequest, StreamKeysRequest__Output as _switchyard_v1_StreamKeysRequest__Output } from '../../switchyard/v1/StreamKeysRequest.js';
import type { StreamTableRequest as _switchyard_v1_StreamTableRequest, StreamTableRequest__Output as _switchyard_v1_StreamTableRequest__Output } from '../../switchyard/v1/StreamTableRequest.js';
import type { SyncDatabaseRequest as _switchyard_v1_SyncDatabaseRequest, SyncDatabaseRequest__Output as _switchyard_v1_SyncDatabaseRequest__Output } from '../../switchyard/v1/SyncDatabaseRequest.js';
import type { TableData as _switchyard_v1_TableData, TableData__Output as _switchyard_v1_TableData__Output } from '../../switchyard/v1/TableData.js';
import type { UnlockWritesRequest as _switchyard_v1_UnlockWritesRequest, UnlockWritesRequest__Output as _switchyard_v1_UnlockWritesRequest__Output } from '../../switchyard/v1/UnlockWritesRequest.js';
import type { UnlockWritesResponse as _switchyard_v1_UnlockWritesResponse, UnlockWritesResponse__Output as _switchyard_v1_UnlockWritesResponse__Output } from '../../switchyard/v1/UnlockWritesResponse.js';
import type { VerifyDatabaseRequest as _switchyard_v1_VerifyDatabaseRequest, VerifyDatabaseRequest__Output as _switchyard_v1_VerifyDatabaseRequest__Output } from '../../switchyard/v1/VerifyDatabaseRequest.js';

export interface DatabaseClient extends grpc.Client {
  AuthorizeTransfer(argument: _switchyard_v1_AuthorizeTransferRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  AuthorizeTransfer(argument: _switchyard_v1_AuthorizeTransferRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_AuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  AuthorizeTransfer(argument: _switchyard_v1_AuthorizeTransferRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  AuthorizeTransfer(argument: _switchyard_v1_AuthorizeTransferRequest, callback: grpc.requestCallback<_switchyard_v1_AuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  authorizeTransfer(argument: _switchyard_v1_AuthorizeTransferRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  authorizeTransfer(argument: _switchyard_v1_AuthorizeTransferRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_AuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  authorizeTransfer(argument: _switchyard_v1_AuthorizeTransferRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  authorizeTransfer(argument: _switchyard_v1_AuthorizeTransferRequest, callback: grpc.requestCallback<_switchyard_v1_AuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  
  ChecksumChunks(argument: _switchyard_v1_ChecksumChunksRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_ChunkChecksum__Output>;
  ChecksumChunks(argument: _switchyard_v1_ChecksumChunksRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_ChunkChecksum__Output>;
  checksumChunks(argument: _switchyard_v1_ChecksumChunksRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_ChunkChecksum__Output>;
  checksumChunks(argument: _switchyard_v1_ChecksumChunksRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_ChunkChecksum__Output>;
  
  CloseSnapshot(argument: _switchyard_v1_CloseSnapshotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_CloseSnapshotResponse__Output>): grpc.ClientUnaryCall;
  CloseSnapshot(argument: _switchyard_v1_CloseSnapshotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_CloseSnapshotResponse__Output>): grpc.ClientUnaryCall;
  CloseSnapshot(argument: _switchyard_v1_CloseSnapshotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_CloseSnapshotResponse__Output>): grpc.ClientUnaryCall;
  CloseSnapshot(argument: _switchyard_v1_CloseSnapshotRequest, callback: grpc.requestCallback<_switchyard_v1_CloseSnapshotResponse__Output>): grpc.ClientUnaryCall;
  closeSnapshot(argument: _switchyard_v1_CloseSnapshotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_CloseSnapshotResponse__Output>): grpc.ClientUnaryCall;
  closeSnapshot(argument: _switchyard_v1_CloseSnapshotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_CloseSnapshotResponse__Output>): grpc.ClientUnaryCall;
  closeSnapshot(argument: _switchyard_v1_CloseSnapshotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_CloseSnapshotResponse__Output>): grpc.ClientUnaryCall;
  closeSnapshot(argument: _switchyard_v1_CloseSnapshotRequest, callback: grpc.requestCallback<_switchyard_v1_CloseSnapshotResponse__Output>): grpc.ClientUnaryCall;
  
  LockWrites(argument: _switchyard_v1_LockWritesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_LockWritesResponse__Output>): grpc.ClientUnaryCall;
  LockWrites(argument: _switchyard_v1_LockWritesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_LockWritesResponse__Output>): grpc.ClientUnaryCall;
  LockWrites(argument: _switchyard_v1_LockWritesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_LockWritesResponse__Output>): grpc.ClientUnaryCall;
  LockWrites(argument: _switchyard_v1_LockWritesRequest, callback: grpc.requestCallback<_switchyard_v1_LockWritesResponse__Output>): grpc.ClientUnaryCall;
  lockWrites(argument: _switchyard_v1_LockWritesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_LockWritesResponse__Output>): grpc.ClientUnaryCall;
  lockWrites(argument: _switchyard_v1_LockWritesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_LockWritesResponse__Output>): grpc.ClientUnaryCall;
  lockWrites(argument: _switchyard_v1_LockWritesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_LockWritesResponse__Output>): grpc.ClientUnaryCall;
  lockWrites(argument: _switchyard_v1_LockWritesRequest, callback: grpc.requestCallback<_switchyard_v1_LockWritesResponse__Output>): grpc.ClientUnaryCall;
  
  MergeProductionOnlyRows(argument: _switchyard_v1_MergeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_MergeReport__Output>): grpc.ClientUnaryCall;
  MergeProductionOnlyRows(argument: _switchyard_v1_MergeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_MergeReport__Output>): grpc.ClientUnaryCall;
  MergeProductionOnlyRows(argument: _switchyard_v1_MergeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_MergeReport__Output>): grpc.ClientUnaryCall;
  MergeProductionOnlyRows(argument: _switchyard_v1_MergeRequest, callback: grpc.requestCallback<_switchyard_v1_MergeReport__Output>): grpc.ClientUnaryCall;
  mergeProductionOnlyRows(argument: _switchyard_v1_MergeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_MergeReport__Output>): grpc.ClientUnaryCall;
  mergeProductionOnlyRows(argument: _switchyard_v1_MergeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_MergeReport__Output>): grpc.ClientUnaryCall;
  mergeProductionOnlyRows(argument: _switchyard_v1_MergeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_MergeReport__Output>): grpc.ClientUnaryCall;
  mergeProductionOnlyRows(argument: _switchyard_v1_MergeRequest, callback: grpc.requestCallback<_switchyard_v1_MergeReport__Output>): grpc.ClientUnaryCall;
  
  OpenSnapshot(argument: _switchyard_v1_OpenSnapshotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  OpenSnapshot(argument: _switchyard_v1_OpenSnapshotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  OpenSnapshot(argument: _switchyard_v1_OpenSnapshotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  OpenSnapshot(argument: _switchyard_v1_OpenSnapshotRequest, callback: grpc.requestCallback<_switchyard_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  openSnapshot(argument: _switchyard_v1_OpenSnapshotRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  openSnapshot(argument: _switchyard_v1_OpenSnapshotRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  openSnapshot(argument: _switchyard_v1_OpenSnapshotRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  openSnapshot(argument: _switchyard_v1_OpenSnapshotRequest, callback: grpc.requestCallback<_switchyard_v1_SnapshotInfo__Output>): grpc.ClientUnaryCall;
  
  PreflightDatabase(argument: _switchyard_v1_PreflightDatabaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_PreflightReport__Output>): grpc.ClientUnaryCall;
  PreflightDatabase(argument: _switchyard_v1_PreflightDatabaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_PreflightReport__Output>): grpc.ClientUnaryCall;
  PreflightDatabase(argument: _switchyard_v1_PreflightDatabaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_PreflightReport__Output>): grpc.ClientUnaryCall;
  PreflightDatabase(argument: _switchyard_v1_PreflightDatabaseRequest, callback: grpc.requestCallback<_switchyard_v1_PreflightReport__Output>): grpc.ClientUnaryCall;
  preflightDatabase(argument: _switchyard_v1_PreflightDatabaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_PreflightReport__Output>): grpc.ClientUnaryCall;
  preflightDatabase(argument: _switchyard_v1_PreflightDatabaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_PreflightReport__Output>): grpc.ClientUnaryCall;
  preflightDatabase(argument: _switchyard_v1_PreflightDatabaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_PreflightReport__Output>): grpc.ClientUnaryCall;
  preflightDatabase(argument: _switchyard_v1_PreflightDatabaseRequest, callback: grpc.requestCallback<_switchyard_v1_PreflightReport__Output>): grpc.ClientUnaryCall;
  
  PullDatabase(argument: _switchyard_v1_PullDatabaseRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_DbEvent__Output>;
  PullDatabase(argument: _switchyard_v1_PullDatabaseRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_DbEvent__Output>;
  pullDatabase(argument: _switchyard_v1_PullDatabaseRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_DbEvent__Output>;
  pullDatabase(argument: _switchyard_v1_PullDatabaseRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_DbEvent__Output>;
  
  ReleaseDatabase(argument: _switchyard_v1_ReleaseDatabaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_ReleaseDatabaseResponse__Output>): grpc.ClientUnaryCall;
  ReleaseDatabase(argument: _switchyard_v1_ReleaseDatabaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_ReleaseDatabaseResponse__Output>): grpc.ClientUnaryCall;
  ReleaseDatabase(argument: _switchyard_v1_ReleaseDatabaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_ReleaseDatabaseResponse__Output>): grpc.ClientUnaryCall;
  ReleaseDatabase(argument: _switchyard_v1_ReleaseDatabaseRequest, callback: grpc.requestCallback<_switchyard_v1_ReleaseDatabaseResponse__Output>): grpc.ClientUnaryCall;
  releaseDatabase(argument: _switchyard_v1_ReleaseDatabaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_ReleaseDatabaseResponse__Output>): grpc.ClientUnaryCall;
  releaseDatabase(argument: _switchyard_v1_ReleaseDatabaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_ReleaseDatabaseResponse__Output>): grpc.ClientUnaryCall;
  releaseDatabase(argument: _switchyard_v1_ReleaseDatabaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_ReleaseDatabaseResponse__Output>): grpc.ClientUnaryCall;
  releaseDatabase(argument: _switchyard_v1_ReleaseDatabaseRequest, callback: grpc.requestCallback<_switchyard_v1_ReleaseDatabaseResponse__Output>): grpc.ClientUnaryCall;
  
  RevokeTransfer(argument: _switchyard_v1_RevokeTransferRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  RevokeTransfer(argument: _switchyard_v1_RevokeTransferRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_RevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  RevokeTransfer(argument: _switchyard_v1_RevokeTransferRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  RevokeTransfer(argument: _switchyard_v1_RevokeTransferRequest, callback: grpc.requestCallback<_switchyard_v1_RevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  revokeTransfer(argument: _switchyard_v1_RevokeTransferRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  revokeTransfer(argument: _switchyard_v1_RevokeTransferRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_RevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  revokeTransfer(argument: _switchyard_v1_RevokeTransferRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  revokeTransfer(argument: _switchyard_v1_RevokeTransferRequest, callback: grpc.requestCallback<_switchyard_v1_RevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  
  RewriteUrls(argument: _switchyard_v1_RewriteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RewriteReport__Output>): grpc.ClientUnaryCall;
  RewriteUrls(argument: _switchyard_v1_RewriteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_RewriteReport__Output>): grpc.ClientUnaryCall;
  RewriteUrls(argument: _switchyard_v1_RewriteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RewriteReport__Output>): grpc.ClientUnaryCall;
  RewriteUrls(argument: _switchyard_v1_RewriteRequest, callback: grpc.requestCallback<_switchyard_v1_RewriteReport__Output>): grpc.ClientUnaryCall;
  rewriteUrls(argument: _switchyard_v1_RewriteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RewriteReport__Output>): grpc.ClientUnaryCall;
  rewriteUrls(argument: _switchyard_v1_RewriteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_RewriteReport__Output>): grpc.ClientUnaryCall;
  rewriteUrls(argument: _switchyard_v1_RewriteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RewriteReport__Output>): grpc.ClientUnaryCall;
  rewriteUrls(argument: _switchyard_v1_RewriteRequest, callback: grpc.requestCallback<_switchyard_v1_RewriteReport__Output>): grpc.ClientUnaryCall;
  
  RollbackDatabase(argument: _switchyard_v1_RollbackDatabaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RollbackDatabaseResponse__Output>): grpc.ClientUnaryCall;
  RollbackDatabase(argument: _switchyard_v1_RollbackDatabaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_RollbackDatabaseResponse__Output>): grpc.ClientUnaryCall;
  RollbackDatabase(argument: _switchyard_v1_RollbackDatabaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RollbackDatabaseResponse__Output>): grpc.ClientUnaryCall;
  RollbackDatabase(argument: _switchyard_v1_RollbackDatabaseRequest, callback: grpc.requestCallback<_switchyard_v1_RollbackDatabaseResponse__Output>): grpc.ClientUnaryCall;
  rollbackDatabase(argument: _switchyard_v1_RollbackDatabaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RollbackDatabaseResponse__Output>): grpc.ClientUnaryCall;
  rollbackDatabase(argument: _switchyard_v1_RollbackDatabaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_RollbackDatabaseResponse__Output>): grpc.ClientUnaryCall;
  rollbackDatabase(argument: _switchyard_v1_RollbackDatabaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_RollbackDatabaseResponse__Output>): grpc.ClientUnaryCall;
  rollbackDatabase(argument: _switchyard_v1_RollbackDatabaseRequest, callback: grpc.requestCallback<_switchyard_v1_RollbackDatabaseResponse__Output>): grpc.ClientUnaryCall;
  
  StreamKeys(argument: _switchyard_v1_StreamKeysRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_KeyBatch__Output>;
  StreamKeys(argument: _switchyard_v1_StreamKeysRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_KeyBatch__Output>;
  streamKeys(argument: _switchyard_v1_StreamKeysRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_KeyBatch__Output>;
  streamKeys(argument: _switchyard_v1_StreamKeysRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_KeyBatch__Output>;
  
  StreamTable(argument: _switchyard_v1_StreamTableRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_TableData__Output>;
  StreamTable(argument: _switchyard_v1_StreamTableRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_TableData__Output>;
  streamTable(argument: _switchyard_v1_StreamTableRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_TableData__Output>;
  streamTable(argument: _switchyard_v1_StreamTableRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_TableData__Output>;
  
  SyncDatabase(argument: _switchyard_v1_SyncDatabaseRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_DbEvent__Output>;
  SyncDatabase(argument: _switchyard_v1_SyncDatabaseRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_DbEvent__Output>;
  syncDatabase(argument: _switchyard_v1_SyncDatabaseRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_DbEvent__Output>;
  syncDatabase(argument: _switchyard_v1_SyncDatabaseRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_DbEvent__Output>;
  
  UnlockWrites(argument: _switchyard_v1_UnlockWritesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_UnlockWritesResponse__Output>): grpc.ClientUnaryCall;
  UnlockWrites(argument: _switchyard_v1_UnlockWritesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_UnlockWritesResponse__Output>): grpc.ClientUnaryCall;
  UnlockWrites(argument: _switchyard_v1_UnlockWritesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_UnlockWritesResponse__Output>): grpc.ClientUnaryCall;
  UnlockWrites(argument: _switchyard_v1_UnlockWritesRequest, callback: grpc.requestCallback<_switchyard_v1_UnlockWritesResponse__Output>): grpc.ClientUnaryCall;
  unlockWrites(argument: _switchyard_v1_UnlockWritesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_UnlockWritesResponse__Output>): grpc.ClientUnaryCall;
  unlockWrites(argument: _switchyard_v1_UnlockWritesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_UnlockWritesResponse__Output>): grpc.ClientUnaryCall;
  unlockWrites(argument: _switchyard_v1_UnlockWritesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_UnlockWritesResponse__Output>): grpc.ClientUnaryCall;
  unlockWrites(argument: _switchyard_v1_UnlockWritesRequest, callback: grpc.requestCallback<_switchyard_v1_UnlockWritesResponse__Output>): grpc.ClientUnaryCall;
  
  VerifyDatabase(argument: _switchyard_v1_VerifyDatabaseRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_DbEvent__Output>;
  VerifyDatabase(argument: _switchyard_v1_VerifyDatabaseRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_DbEvent__Output>;
  verifyDatabase(argument: _switchyard_v1_VerifyDatabaseRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_DbEvent__Output>;
  verifyDatabase(argument: _switchyard_v1_VerifyDatabaseRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_DbEvent__Output>;
  
}

export interface DatabaseHandlers extends grpc.UntypedServiceImplementation {
  AuthorizeTransfer: grpc.handleUnaryCall<_switchyard_v1_AuthorizeTransferRequest__Output, _switchyard_v1_AuthorizeTransferResponse>;
  
  ChecksumChunks: grpc.handleServerStreamingCall<_switchyard_v1_ChecksumChunksRequest__Output, _switchyard_v1_ChunkChecksum>;
  
  CloseSnapshot: grpc.handleUnaryCall<_switchyard_v1_CloseSnapshotRequest__Output, _switchyard_v1_CloseSnapshotResponse>;
  
  LockWrites: grpc.handleUnaryCall<_switchyard_v1_LockWritesRequest__Output, _switchyard_v1_LockWritesResponse>;
  
  MergeProductionOnlyRows: grpc.handleUnaryCall<_switchyard_v1_MergeRequest__Output, _switchyard_v1_MergeReport>;
  
  OpenSnapshot: grpc.handleUnaryCall<_switchyard_v1_OpenSnapshotRequest__Output, _switchyard_v1_SnapshotInfo>;
  
  PreflightDatabase: grpc.handleUnaryCall<_switchyard_v1_PreflightDatabaseRequest__Output, _switchyard_v1_PreflightReport>;
  
  PullDatabase: grpc.handleServerStreamingCall<_switchyard_v1_PullDatabaseRequest__Output, _switchyard_v1_DbEvent>;
  
  ReleaseDatabase: grpc.handleUnaryCall<_switchyard_v1_ReleaseDatabaseRequest__Output, _switchyard_v1_ReleaseDatabaseResponse>;
  
  RevokeTransfer: grpc.handleUnaryCall<_switchyard_v1_RevokeTransferRequest__Output, _switchyard_v1_RevokeTransferResponse>;
  
  RewriteUrls: grpc.handleUnaryCall<_switchyard_v1_RewriteRequest__Output, _switchyard_v1_RewriteReport>;
  
  RollbackDatabase: grpc.handleUnaryCall<_switchyard_v1_RollbackDatabaseRequest__Output, _switchyard_v1_RollbackDatabaseResponse>;
  
  StreamKeys: grpc.handleServerStreamingCall<_switchyard_v1_StreamKeysRequest__Output, _switchyard_v1_KeyBatch>;
  
  StreamTable: grpc.handleServerStreamingCall<_switchyard_v1_StreamTableRequest__Output, _switchyard_v1_TableData>;
  
  SyncDatabase: grpc.handleServerStreamingCall<_switchyard_v1_SyncDatabaseRequest__Output, _switchyard_v1_DbEvent>;
  
  UnlockWrites: grpc.handleUnaryCall<_switchyard_v1_UnlockWritesRequest__Output, _switchyard_v1_UnlockWritesResponse>;
  
  VerifyDatabase: grpc.handleServerStreamingCall<_switchyard_v1_VerifyDatabaseRequest__Output, _switchyard_v1_DbEvent>;
  
}

export interface DatabaseDefinition extends grpc.ServiceDefinition {
  AuthorizeTransfer: MethodDefinition<_switchyard_v1_AuthorizeTransferRequest, _switchyard_v1_AuthorizeTransferResponse, _switchyard_v1_AuthorizeTransferRequest__Output, _switchyard_v1_AuthorizeTransferResponse__Output>
  ChecksumChunks: MethodDefinition<_switchyard_v1_ChecksumChunksRequest, _switchyard_v1_ChunkChecksum, _switchyard_v1_ChecksumChunksRequest__Output, _switchyard_v1_ChunkChecksum__Output>
  CloseSnapshot: MethodDefinition<_switchyard_v1_CloseSnapshotRequest, _switchyard_v1_CloseSnapshotResponse, _switchyard_v1_CloseSnapshotRequest__Output, _switchyard_v1_CloseSnapshotResponse__Output>
  LockWrites: MethodDefinition<_switchyard_v1_LockWritesRequest, _switchyard_v1_LockWritesResponse, _switchyard_v1_LockWritesRequest__Output, _switchyard_v1_LockWritesResponse__Output>
  MergeProductionOnlyRows: MethodDefinition<_switchyard_v1_MergeRequest, _switchyard_v1_MergeReport, _switchyard_v1_MergeRequest__Output, _switchyard_v1_MergeReport__Output>
  OpenSnapshot: MethodDefinition<_switchyard_v1_OpenSnapshotRequest, _switchyard_v1_SnapshotInfo, _switchyard_v1_OpenSnapshotRequest__Output, _switchyard_v1_SnapshotInfo__Output>
  PreflightDatabase: MethodDefinition<_switchyard_v1_PreflightDatabaseRequest, _switchyard_v1_PreflightReport, _switchyard_v1_PreflightDatabaseRequest__Output, _switchyard_v1_PreflightReport__Output>
  PullDatabase: MethodDefinition<_switchyard_v1_PullDatabaseRequest, _switchyard_v1_DbEvent, _switchyard_v1_PullDatabaseRequest__Output, _switchyard_v1_DbEvent__Output>
  ReleaseDatabase: MethodDefinition<_switchyard_v1_ReleaseDatabaseRequest, _switchyard_v1_ReleaseDatabaseResponse, _switchyard_v1_ReleaseDatabaseRequest__Output, _switchyard_v1_ReleaseDatabaseResponse__Output>
  RevokeTransfer: MethodDefinition<_switchyard_v1_RevokeTransferRequest, _switchyard_v1_RevokeTransferResponse, _switchyard_v1_RevokeTransferRequest__Output, _switchyard_v1_RevokeTransferResponse__Output>
  RewriteUrls: MethodDefinition<_switchyard_v1_RewriteRequest, _switchyard_v1_RewriteReport, _switchyard_v1_RewriteRequest__Output, _switchyard_v1_RewriteReport__Output>
  RollbackDatabase: MethodDefinition<_switchyard_v1_RollbackDatabaseRequest, _switchyard_v1_RollbackDatabaseResponse, _switchyard_v1_RollbackDatabaseRequest__Output, _switchyard_v1_RollbackDatabaseResponse__Output>
  StreamKeys: MethodDefinition<_switchyard_v1_StreamKeysRequest, _switchyard_v1_KeyBatch, _switchyard_v1_StreamKeysRequest__Output, _switchyard_v1_KeyBatch__Output>
  StreamTable: MethodDefinition<_switchyard_v1_StreamTableRequest, _switchyard_v1_TableData, _switchyard_v1_StreamTableRequest__Output, _switchyard_v1_TableData__Output>
  SyncDatabase: MethodDefinition<_switchyard_v1_SyncDatabaseRequest, _switchyard_v1_DbEvent, _switchyard_v1_SyncDatabaseRequest__Output, _switchyard_v1_DbEvent__Output>
  UnlockWrites: MethodDefinition<_switchyard_v1_UnlockWritesRequest, _switchyard_v1_UnlockWritesResponse, _switchyard_v1_UnlockWritesRequest__Output, _switchyard_v1_UnlockWritesResponse__Output>
  VerifyDatabase: MethodDefinition<_switchyard_v1_VerifyDatabaseRequest, _switchyard_v1_DbEvent, _switchyard_v1_VerifyDatabaseRequest__Output, _switchyard_v1_DbEvent__Output>
}
