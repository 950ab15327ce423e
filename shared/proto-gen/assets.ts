import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AssetAuthorizeTransferRequest as _switchyard_v1_AssetAuthorizeTransferRequest, AssetAuthorizeTransferRequest__Output as _switchyard_v1_AssetAuthorizeTransferRequest__Output } from './switchyard/v1/AssetAuthorizeTransferRequest.js';
import type { AssetAuthorizeTransferResponse as _switchyard_v1_AssetAuthorizeTransferResponse, AssetAuthorizeTransferResponse__Output as _switchyard_v1_AssetAuthorizeTransferResponse__Output } from './switchyard/v1/AssetAuthorizeTransferResponse.js';
import type { AssetChunkData as _switchyard_v1_AssetChunkData, AssetChunkData__Output as _switchyard_v1_AssetChunkData__Output } from './switchyard/v1/AssetChunkData.js';
import type { AssetDifference as _switchyard_v1_AssetDifference, AssetDifference__Output as _switchyard_v1_AssetDifference__Output } from './switchyard/v1/AssetDifference.js';
import type { AssetFetchEnd as _switchyard_v1_AssetFetchEnd, AssetFetchEnd__Output as _switchyard_v1_AssetFetchEnd__Output } from './switchyard/v1/AssetFetchEnd.js';
import type { AssetFetchRequest as _switchyard_v1_AssetFetchRequest, AssetFetchRequest__Output as _switchyard_v1_AssetFetchRequest__Output } from './switchyard/v1/AssetFetchRequest.js';
import type { AssetFetchResponse as _switchyard_v1_AssetFetchResponse, AssetFetchResponse__Output as _switchyard_v1_AssetFetchResponse__Output } from './switchyard/v1/AssetFetchResponse.js';
import type { AssetListManifestRequest as _switchyard_v1_AssetListManifestRequest, AssetListManifestRequest__Output as _switchyard_v1_AssetListManifestRequest__Output } from './switchyard/v1/AssetListManifestRequest.js';
import type { AssetManifestBatch as _switchyard_v1_AssetManifestBatch, AssetManifestBatch__Output as _switchyard_v1_AssetManifestBatch__Output } from './switchyard/v1/AssetManifestBatch.js';
import type { AssetManifestEntry as _switchyard_v1_AssetManifestEntry, AssetManifestEntry__Output as _switchyard_v1_AssetManifestEntry__Output } from './switchyard/v1/AssetManifestEntry.js';
import type { AssetPullEvent as _switchyard_v1_AssetPullEvent, AssetPullEvent__Output as _switchyard_v1_AssetPullEvent__Output } from './switchyard/v1/AssetPullEvent.js';
import type { AssetPullProgress as _switchyard_v1_AssetPullProgress, AssetPullProgress__Output as _switchyard_v1_AssetPullProgress__Output } from './switchyard/v1/AssetPullProgress.js';
import type { AssetPullResult as _switchyard_v1_AssetPullResult, AssetPullResult__Output as _switchyard_v1_AssetPullResult__Output } from './switchyard/v1/AssetPullResult.js';
import type { AssetRevokeTransferRequest as _switchyard_v1_AssetRevokeTransferRequest, AssetRevokeTransferRequest__Output as _switchyard_v1_AssetRevokeTransferRequest__Output } from './switchyard/v1/AssetRevokeTransferRequest.js';
import type { AssetRevokeTransferResponse as _switchyard_v1_AssetRevokeTransferResponse, AssetRevokeTransferResponse__Output as _switchyard_v1_AssetRevokeTransferResponse__Output } from './switchyard/v1/AssetRevokeTransferResponse.js';
import type { AssetScanRootRequest as _switchyard_v1_AssetScanRootRequest, AssetScanRootRequest__Output as _switchyard_v1_AssetScanRootRequest__Output } from './switchyard/v1/AssetScanRootRequest.js';
import type { AssetScanRootResponse as _switchyard_v1_AssetScanRootResponse, AssetScanRootResponse__Output as _switchyard_v1_AssetScanRootResponse__Output } from './switchyard/v1/AssetScanRootResponse.js';
import type { AssetTreeDigestRequest as _switchyard_v1_AssetTreeDigestRequest, AssetTreeDigestRequest__Output as _switchyard_v1_AssetTreeDigestRequest__Output } from './switchyard/v1/AssetTreeDigestRequest.js';
import type { AssetTreeSummary as _switchyard_v1_AssetTreeSummary, AssetTreeSummary__Output as _switchyard_v1_AssetTreeSummary__Output } from './switchyard/v1/AssetTreeSummary.js';
import type { AssetsClient as _switchyard_v1_AssetsClient, AssetsDefinition as _switchyard_v1_AssetsDefinition } from './switchyard/v1/Assets.js';
import type { PullAssetsRequest as _switchyard_v1_PullAssetsRequest, PullAssetsRequest__Output as _switchyard_v1_PullAssetsRequest__Output } from './switchyard/v1/PullAssetsRequest.js';
import type { VerifyAssetsRequest as _switchyard_v1_VerifyAssetsRequest, VerifyAssetsRequest__Output as _switchyard_v1_VerifyAssetsRequest__Output } from './switchyard/v1/VerifyAssetsRequest.js';
import type { VerifyAssetsResponse as _switchyard_v1_VerifyAssetsResponse, VerifyAssetsResponse__Output as _switchyard_v1_VerifyAssetsResponse__Output } from './switchyard/v1/VerifyAssetsResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  switchyard: {
    v1: {
      AssetAuthorizeTransferRequest: MessageTypeDefinition<_switchyard_v1_AssetAuthorizeTransferRequest, _switchyard_v1_AssetAuthorizeTransferRequest__Output>
      AssetAuthorizeTransferResponse: MessageTypeDefinition<_switchyard_v1_AssetAuthorizeTransferResponse, _switchyard_v1_AssetAuthorizeTransferResponse__Output>
      AssetChunkData: MessageTypeDefinition<_switchyard_v1_AssetChunkData, _switchyard_v1_AssetChunkData__Output>
      AssetDifference: MessageTypeDefinition<_switchyard_v1_AssetDifference, _switchyard_v1_AssetDifference__Output>
      AssetFetchEnd: MessageTypeDefinition<_switchyard_v1_AssetFetchEnd, _switchyard_v1_AssetFetchEnd__Output>
      AssetFetchRequest: MessageTypeDefinition<_switchyard_v1_AssetFetchRequest, _switchyard_v1_AssetFetchRequest__Output>
      AssetFetchResponse: MessageTypeDefinition<_switchyard_v1_AssetFetchResponse, _switchyard_v1_AssetFetchResponse__Output>
      AssetListManifestRequest: MessageTypeDefinition<_switchyard_v1_AssetListManifestRequest, _switchyard_v1_AssetListManifestRequest__Output>
      AssetManifestBatch: MessageTypeDefinition<_switchyard_v1_AssetManifestBatch, _switchyard_v1_AssetManifestBatch__Output>
      AssetManifestEntry: MessageTypeDefinition<_switchyard_v1_AssetManifestEntry, _switchyard_v1_AssetManifestEntry__Output>
      AssetPullEvent: MessageTypeDefinition<_switchyard_v1_AssetPullEvent, _switchyard_v1_AssetPullEvent__Output>
      AssetPullProgress: MessageTypeDefinition<_switchyard_v1_AssetPullProgress, _switchyard_v1_AssetPullProgress__Output>
      AssetPullResult: MessageTypeDefinition<_switchyard_v1_AssetPullResult, _switchyard_v1_AssetPullResult__Output>
      AssetRefresh: EnumTypeDefinition
      AssetRevokeTransferRequest: MessageTypeDefinition<_switchyard_v1_AssetRevokeTransferRequest, _switchyard_v1_AssetRevokeTransferRequest__Output>
      AssetRevokeTransferResponse: MessageTypeDefinition<_switchyard_v1_AssetRevokeTransferResponse, _switchyard_v1_AssetRevokeTransferResponse__Output>
      AssetScanRootRequest: MessageTypeDefinition<_switchyard_v1_AssetScanRootRequest, _switchyard_v1_AssetScanRootRequest__Output>
      AssetScanRootResponse: MessageTypeDefinition<_switchyard_v1_AssetScanRootResponse, _switchyard_v1_AssetScanRootResponse__Output>
      AssetTreeDigestRequest: MessageTypeDefinition<_switchyard_v1_AssetTreeDigestRequest, _switchyard_v1_AssetTreeDigestRequest__Output>
      AssetTreeSummary: MessageTypeDefinition<_switchyard_v1_AssetTreeSummary, _switchyard_v1_AssetTreeSummary__Output>
      Assets: SubtypeConstructor<typeof grpc.Client, _switchyard_v1_AssetsClient> & { service: _switchyard_v1_AssetsDefinition }
      PullAssetsRequest: MessageTypeDefinition<_switchyard_v1_PullAssetsRequest, _switchyard_v1_PullAssetsRequest__Output>
      VerifyAssetsRequest: MessageTypeDefinition<_switchyard_v1_VerifyAssetsRequest, _switchyard_v1_VerifyAssetsRequest__Output>
      VerifyAssetsResponse: MessageTypeDefinition<_switchyard_v1_VerifyAssetsResponse, _switchyard_v1_VerifyAssetsResponse__Output>
    }
  }
}

