import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AuthorizeTransferRequest as _switchyard_v1_AuthorizeTransferRequest, AuthorizeTransferRequest__Output as _switchyard_v1_AuthorizeTransferRequest__Output } from './switchyard/v1/AuthorizeTransferRequest.js';
import type { AuthorizeTransferResponse as _switchyard_v1_AuthorizeTransferResponse, AuthorizeTransferResponse__Output as _switchyard_v1_AuthorizeTransferResponse__Output } from './switchyard/v1/AuthorizeTransferResponse.js';
import type { AutoIncrementRow as _switchyard_v1_AutoIncrementRow, AutoIncrementRow__Output as _switchyard_v1_AutoIncrementRow__Output } from './switchyard/v1/AutoIncrementRow.js';
import type { BrokenValue as _switchyard_v1_BrokenValue, BrokenValue__Output as _switchyard_v1_BrokenValue__Output } from './switchyard/v1/BrokenValue.js';
import type { ChecksumChunksRequest as _switchyard_v1_ChecksumChunksRequest, ChecksumChunksRequest__Output as _switchyard_v1_ChecksumChunksRequest__Output } from './switchyard/v1/ChecksumChunksRequest.js';
import type { ChunkChecksum as _switchyard_v1_ChunkChecksum, ChunkChecksum__Output as _switchyard_v1_ChunkChecksum__Output } from './switchyard/v1/ChunkChecksum.js';
import type { ChunkRange as _switchyard_v1_ChunkRange, ChunkRange__Output as _switchyard_v1_ChunkRange__Output } from './switchyard/v1/ChunkRange.js';
import type { CloseSnapshotRequest as _switchyard_v1_CloseSnapshotRequest, CloseSnapshotRequest__Output as _switchyard_v1_CloseSnapshotRequest__Output } from './switchyard/v1/CloseSnapshotRequest.js';
import type { CloseSnapshotResponse as _switchyard_v1_CloseSnapshotResponse, CloseSnapshotResponse__Output as _switchyard_v1_CloseSnapshotResponse__Output } from './switchyard/v1/CloseSnapshotResponse.js';
import type { ColumnInfo as _switchyard_v1_ColumnInfo, ColumnInfo__Output as _switchyard_v1_ColumnInfo__Output } from './switchyard/v1/ColumnInfo.js';
import type { ColumnRewrite as _switchyard_v1_ColumnRewrite, ColumnRewrite__Output as _switchyard_v1_ColumnRewrite__Output } from './switchyard/v1/ColumnRewrite.js';
import type { CopyResult as _switchyard_v1_CopyResult, CopyResult__Output as _switchyard_v1_CopyResult__Output } from './switchyard/v1/CopyResult.js';
import type { DatabaseClient as _switchyard_v1_DatabaseClient, DatabaseDefinition as _switchyard_v1_DatabaseDefinition } from './switchyard/v1/Database.js';
import type { DbEvent as _switchyard_v1_DbEvent, DbEvent__Output as _switchyard_v1_DbEvent__Output } from './switchyard/v1/DbEvent.js';
import type { FreezeState as _switchyard_v1_FreezeState, FreezeState__Output as _switchyard_v1_FreezeState__Output } from './switchyard/v1/FreezeState.js';
import type { KeyBatch as _switchyard_v1_KeyBatch, KeyBatch__Output as _switchyard_v1_KeyBatch__Output } from './switchyard/v1/KeyBatch.js';
import type { KeyPart as _switchyard_v1_KeyPart, KeyPart__Output as _switchyard_v1_KeyPart__Output } from './switchyard/v1/KeyPart.js';
import type { KeyRange as _switchyard_v1_KeyRange, KeyRange__Output as _switchyard_v1_KeyRange__Output } from './switchyard/v1/KeyRange.js';
import type { KeyValue as _switchyard_v1_KeyValue, KeyValue__Output as _switchyard_v1_KeyValue__Output } from './switchyard/v1/KeyValue.js';
import type { LockWritesRequest as _switchyard_v1_LockWritesRequest, LockWritesRequest__Output as _switchyard_v1_LockWritesRequest__Output } from './switchyard/v1/LockWritesRequest.js';
import type { LockWritesResponse as _switchyard_v1_LockWritesResponse, LockWritesResponse__Output as _switchyard_v1_LockWritesResponse__Output } from './switchyard/v1/LockWritesResponse.js';
import type { MergeReport as _switchyard_v1_MergeReport, MergeReport__Output as _switchyard_v1_MergeReport__Output } from './switchyard/v1/MergeReport.js';
import type { MergeRequest as _switchyard_v1_MergeRequest, MergeRequest__Output as _switchyard_v1_MergeRequest__Output } from './switchyard/v1/MergeRequest.js';
import type { OpenSnapshotRequest as _switchyard_v1_OpenSnapshotRequest, OpenSnapshotRequest__Output as _switchyard_v1_OpenSnapshotRequest__Output } from './switchyard/v1/OpenSnapshotRequest.js';
import type { ParityReport as _switchyard_v1_ParityReport, ParityReport__Output as _switchyard_v1_ParityReport__Output } from './switchyard/v1/ParityReport.js';
import type { PeerTransfer as _switchyard_v1_PeerTransfer, PeerTransfer__Output as _switchyard_v1_PeerTransfer__Output } from './switchyard/v1/PeerTransfer.js';
import type { PreflightDatabaseRequest as _switchyard_v1_PreflightDatabaseRequest, PreflightDatabaseRequest__Output as _switchyard_v1_PreflightDatabaseRequest__Output } from './switchyard/v1/PreflightDatabaseRequest.js';
import type { PreflightReport as _switchyard_v1_PreflightReport, PreflightReport__Output as _switchyard_v1_PreflightReport__Output } from './switchyard/v1/PreflightReport.js';
import type { ProductionOnlyTable as _switchyard_v1_ProductionOnlyTable, ProductionOnlyTable__Output as _switchyard_v1_ProductionOnlyTable__Output } from './switchyard/v1/ProductionOnlyTable.js';
import type { Progress as _switchyard_v1_Progress, Progress__Output as _switchyard_v1_Progress__Output } from './switchyard/v1/Progress.js';
import type { PullDatabaseRequest as _switchyard_v1_PullDatabaseRequest, PullDatabaseRequest__Output as _switchyard_v1_PullDatabaseRequest__Output } from './switchyard/v1/PullDatabaseRequest.js';
import type { ReleaseDatabaseRequest as _switchyard_v1_ReleaseDatabaseRequest, ReleaseDatabaseRequest__Output as _switchyard_v1_ReleaseDatabaseRequest__Output } from './switchyard/v1/ReleaseDatabaseRequest.js';
import type { ReleaseDatabaseResponse as _switchyard_v1_ReleaseDatabaseResponse, ReleaseDatabaseResponse__Output as _switchyard_v1_ReleaseDatabaseResponse__Output } from './switchyard/v1/ReleaseDatabaseResponse.js';
import type { RevokeTransferRequest as _switchyard_v1_RevokeTransferRequest, RevokeTransferRequest__Output as _switchyard_v1_RevokeTransferRequest__Output } from './switchyard/v1/RevokeTransferRequest.js';
import type { RevokeTransferResponse as _switchyard_v1_RevokeTransferResponse, RevokeTransferResponse__Output as _switchyard_v1_RevokeTransferResponse__Output } from './switchyard/v1/RevokeTransferResponse.js';
import type { RewriteReport as _switchyard_v1_RewriteReport, RewriteReport__Output as _switchyard_v1_RewriteReport__Output } from './switchyard/v1/RewriteReport.js';
import type { RewriteRequest as _switchyard_v1_RewriteRequest, RewriteRequest__Output as _switchyard_v1_RewriteRequest__Output } from './switchyard/v1/RewriteRequest.js';
import type { RewriteRule as _switchyard_v1_RewriteRule, RewriteRule__Output as _switchyard_v1_RewriteRule__Output } from './switchyard/v1/RewriteRule.js';
import type { RollbackDatabaseRequest as _switchyard_v1_RollbackDatabaseRequest, RollbackDatabaseRequest__Output as _switchyard_v1_RollbackDatabaseRequest__Output } from './switchyard/v1/RollbackDatabaseRequest.js';
import type { RollbackDatabaseResponse as _switchyard_v1_RollbackDatabaseResponse, RollbackDatabaseResponse__Output as _switchyard_v1_RollbackDatabaseResponse__Output } from './switchyard/v1/RollbackDatabaseResponse.js';
import type { SchemaObject as _switchyard_v1_SchemaObject, SchemaObject__Output as _switchyard_v1_SchemaObject__Output } from './switchyard/v1/SchemaObject.js';
import type { ServedTable as _switchyard_v1_ServedTable, ServedTable__Output as _switchyard_v1_ServedTable__Output } from './switchyard/v1/ServedTable.js';
import type { SnapshotInfo as _switchyard_v1_SnapshotInfo, SnapshotInfo__Output as _switchyard_v1_SnapshotInfo__Output } from './switchyard/v1/SnapshotInfo.js';
import type { StreamKeysRequest as _switchyard_v1_StreamKeysRequest, StreamKeysRequest__Output as _switchyard_v1_StreamKeysRequest__Output } from './switchyard/v1/StreamKeysRequest.js';
import type { StreamTableRequest as _switchyard_v1_StreamTableRequest, StreamTableRequest__Output as _switchyard_v1_StreamTableRequest__Output } from './switchyard/v1/StreamTableRequest.js';
import type { SyncDatabaseRequest as _switchyard_v1_SyncDatabaseRequest, SyncDatabaseRequest__Output as _switchyard_v1_SyncDatabaseRequest__Output } from './switchyard/v1/SyncDatabaseRequest.js';
import type { TableChunks as _switchyard_v1_TableChunks, TableChunks__Output as _switchyard_v1_TableChunks__Output } from './switchyard/v1/TableChunks.js';
import type { TableData as _switchyard_v1_TableData, TableData__Output as _switchyard_v1_TableData__Output } from './switchyard/v1/TableData.js';
import type { TableInfo as _switchyard_v1_TableInfo, TableInfo__Output as _switchyard_v1_TableInfo__Output } from './switchyard/v1/TableInfo.js';
import type { TableParity as _switchyard_v1_TableParity, TableParity__Output as _switchyard_v1_TableParity__Output } from './switchyard/v1/TableParity.js';
import type { UnlockWritesRequest as _switchyard_v1_UnlockWritesRequest, UnlockWritesRequest__Output as _switchyard_v1_UnlockWritesRequest__Output } from './switchyard/v1/UnlockWritesRequest.js';
import type { UnlockWritesResponse as _switchyard_v1_UnlockWritesResponse, UnlockWritesResponse__Output as _switchyard_v1_UnlockWritesResponse__Output } from './switchyard/v1/UnlockWritesResponse.js';
import type { VerifyDatabaseRequest as _switchyard_v1_VerifyDatabaseRequest, VerifyDatabaseRequest__Output as _switchyard_v1_VerifyDatabaseRequest__Output } from './switchyard/v1/VerifyDatabaseRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  switchyard: {
    v1: {
      AuthorizeTransferRequest: MessageTypeDefinition<_switchyard_v1_AuthorizeTransferRequest, _switchyard_v1_AuthorizeTransferRequest__Output>
      AuthorizeTransferResponse: MessageTypeDefinition<_switchyard_v1_AuthorizeTransferResponse, _switchyard_v1_AuthorizeTransferResponse__Output>
      AutoIncrementRow: MessageTypeDefinition<_switchyard_v1_AutoIncrementRow, _switchyard_v1_AutoIncrementRow__Output>
      BrokenValue: MessageTypeDefinition<_switchyard_v1_BrokenValue, _switchyard_v1_BrokenValue__Output>
      ChecksumChunksRequest: MessageTypeDefinition<_switchyard_v1_ChecksumChunksRequest, _switchyard_v1_ChecksumChunksRequest__Output>
      ChunkChecksum: MessageTypeDefinition<_switchyard_v1_ChunkChecksum, _switchyard_v1_ChunkChecksum__Output>
      ChunkRange: MessageTypeDefinition<_switchyard_v1_ChunkRange, _switchyard_v1_ChunkRange__Output>
      CloseSnapshotRequest: MessageTypeDefinition<_switchyard_v1_CloseSnapshotRequest, _switchyard_v1_CloseSnapshotRequest__Output>
      CloseSnapshotResponse: MessageTypeDefinition<_switchyard_v1_CloseSnapshotResponse, _switchyard_v1_CloseSnapshotResponse__Output>
      ColumnInfo: MessageTypeDefinition<_switchyard_v1_ColumnInfo, _switchyard_v1_ColumnInfo__Output>
      ColumnRewrite: MessageTypeDefinition<_switchyard_v1_ColumnRewrite, _switchyard_v1_ColumnRewrite__Output>
      CopyResult: MessageTypeDefinition<_switchyard_v1_CopyResult, _switchyard_v1_CopyResult__Output>
      Database: SubtypeConstructor<typeof grpc.Client, _switchyard_v1_DatabaseClient> & { service: _switchyard_v1_DatabaseDefinition }
      DbEvent: MessageTypeDefinition<_switchyard_v1_DbEvent, _switchyard_v1_DbEvent__Output>
      FreezeState: MessageTypeDefinition<_switchyard_v1_FreezeState, _switchyard_v1_FreezeState__Output>
      KeyBatch: MessageTypeDefinition<_switchyard_v1_KeyBatch, _switchyard_v1_KeyBatch__Output>
      KeyPart: MessageTypeDefinition<_switchyard_v1_KeyPart, _switchyard_v1_KeyPart__Output>
      KeyRange: MessageTypeDefinition<_switchyard_v1_KeyRange, _switchyard_v1_KeyRange__Output>
      KeyValue: MessageTypeDefinition<_switchyard_v1_KeyValue, _switchyard_v1_KeyValue__Output>
      LockWritesRequest: MessageTypeDefinition<_switchyard_v1_LockWritesRequest, _switchyard_v1_LockWritesRequest__Output>
      LockWritesResponse: MessageTypeDefinition<_switchyard_v1_LockWritesResponse, _switchyard_v1_LockWritesResponse__Output>
      MergeReport: MessageTypeDefinition<_switchyard_v1_MergeReport, _switchyard_v1_MergeReport__Output>
      MergeRequest: MessageTypeDefinition<_switchyard_v1_MergeRequest, _switchyard_v1_MergeRequest__Output>
      OpenSnapshotRequest: MessageTypeDefinition<_switchyard_v1_OpenSnapshotRequest, _switchyard_v1_OpenSnapshotRequest__Output>
      ParityReport: MessageTypeDefinition<_switchyard_v1_ParityReport, _switchyard_v1_ParityReport__Output>
      PeerTransfer: MessageTypeDefinition<_switchyard_v1_PeerTransfer, _switchyard_v1_PeerTransfer__Output>
      PreflightDatabaseRequest: MessageTypeDefinition<_switchyard_v1_PreflightDatabaseRequest, _switchyard_v1_PreflightDatabaseRequest__Output>
      PreflightReport: MessageTypeDefinition<_switchyard_v1_PreflightReport, _switchyard_v1_PreflightReport__Output>
      ProductionOnlyTable: MessageTypeDefinition<_switchyard_v1_ProductionOnlyTable, _switchyard_v1_ProductionOnlyTable__Output>
      Progress: MessageTypeDefinition<_switchyard_v1_Progress, _switchyard_v1_Progress__Output>
      PullDatabaseRequest: MessageTypeDefinition<_switchyard_v1_PullDatabaseRequest, _switchyard_v1_PullDatabaseRequest__Output>
      ReleaseDatabaseRequest: MessageTypeDefinition<_switchyard_v1_ReleaseDatabaseRequest, _switchyard_v1_ReleaseDatabaseRequest__Output>
      ReleaseDatabaseResponse: MessageTypeDefinition<_switchyard_v1_ReleaseDatabaseResponse, _switchyard_v1_ReleaseDatabaseResponse__Output>
      RevokeTransferRequest: MessageTypeDefinition<_switchyard_v1_RevokeTransferRequest, _switchyard_v1_RevokeTransferRequest__Output>
      RevokeTransferResponse: MessageTypeDefinition<_switchyard_v1_RevokeTransferResponse, _switchyard_v1_RevokeTransferResponse__Output>
      RewriteReport: MessageTypeDefinition<_switchyard_v1_RewriteReport, _switchyard_v1_RewriteReport__Output>
      RewriteRequest: MessageTypeDefinition<_switchyard_v1_RewriteRequest, _switchyard_v1_RewriteRequest__Output>
      RewriteRule: MessageTypeDefinition<_switchyard_v1_RewriteRule, _switchyard_v1_RewriteRule__Output>
      RollbackDatabaseRequest: MessageTypeDefinition<_switchyard_v1_RollbackDatabaseRequest, _switchyard_v1_RollbackDatabaseRequest__Output>
      RollbackDatabaseResponse: MessageTypeDefinition<_switchyard_v1_RollbackDatabaseResponse, _switchyard_v1_RollbackDatabaseResponse__Output>
      SchemaObject: MessageTypeDefinition<_switchyard_v1_SchemaObject, _switchyard_v1_SchemaObject__Output>
      ServedTable: MessageTypeDefinition<_switchyard_v1_ServedTable, _switchyard_v1_ServedTable__Output>
      SnapshotInfo: MessageTypeDefinition<_switchyard_v1_SnapshotInfo, _switchyard_v1_SnapshotInfo__Output>
      StreamKeysRequest: MessageTypeDefinition<_switchyard_v1_StreamKeysRequest, _switchyard_v1_StreamKeysRequest__Output>
      StreamTableRequest: MessageTypeDefinition<_switchyard_v1_StreamTableRequest, _switchyard_v1_StreamTableRequest__Output>
      SyncDatabaseRequest: MessageTypeDefinition<_switchyard_v1_SyncDatabaseRequest, _switchyard_v1_SyncDatabaseRequest__Output>
      TableChunks: MessageTypeDefinition<_switchyard_v1_TableChunks, _switchyard_v1_TableChunks__Output>
      TableData: MessageTypeDefinition<_switchyard_v1_TableData, _switchyard_v1_TableData__Output>
      TableInfo: MessageTypeDefinition<_switchyard_v1_TableInfo, _switchyard_v1_TableInfo__Output>
      TableParity: MessageTypeDefinition<_switchyard_v1_TableParity, _switchyard_v1_TableParity__Output>
      UnlockWritesRequest: MessageTypeDefinition<_switchyard_v1_UnlockWritesRequest, _switchyard_v1_UnlockWritesRequest__Output>
      UnlockWritesResponse: MessageTypeDefinition<_switchyard_v1_UnlockWritesResponse, _switchyard_v1_UnlockWritesResponse__Output>
      VerifyDatabaseRequest: MessageTypeDefinition<_switchyard_v1_VerifyDatabaseRequest, _switchyard_v1_VerifyDatabaseRequest__Output>
    }
  }
}

