// Original file: proto/switchyard/v1/assets.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AssetAuthorizeTransferRequest as _switchyard_v1_AssetAuthorizeTransferRequest, AssetAuthorizeTransferRequest__Output as _switchyard_v1_AssetAuthorizeTransferRequest__Output } from '../../switchyard/v1/AssetAuthorizeTransferRequest.js';
import type { AssetAuthorizeTransferResponse as _switchyard_v1_AssetAuthorizeTransferResponse, AssetAuthorizeTransferResponse__Output as _switchyard_v1_AssetAuthorizeTransferResponse__Output } from '../../switchyard/v1/AssetAuthorizeTransferResponse.js';
import type { AssetFetchRequest as _switchyard_v1_AssetFetchRequest, AssetFetchRequest__Output as _switchyard_v1_AssetFetchRequest__Output } from '../../switchyard/v1/AssetFetchRequest.js';
import type { AssetFetchResponse as _switchyard_v1_AssetFetchResponse, AssetFetchResponse__Output as _switchyard_v1_AssetFetchResponse__Output } from '../../switchyard/v1/AssetFetchResponse.js';
import type { AssetListManifestRequest as _switchyard_v1_AssetListManifestRequest, AssetListManifestRequest__Output as _switchyard_v1_AssetListManifestRequest__Output } from '../../switchyard/v1/AssetListManifestRequest.js';
import type { AssetManifestBatch as _switchyard_v1_AssetManifestBatch, AssetManifestBatch__Output as _switchyard_v1_AssetManifestBatch__Output } from '../../switchyard/v1/AssetManifestBatch.js';
import type { AssetPullEvent as _switchyard_v1_AssetPullEvent, AssetPullEvent__Output as _switchyard_v1_AssetPullEvent__Output } from '../../switchyard/v1/AssetPullEvent.js';
import type { AssetRevokeTransferRequest as _switchyard_v1_AssetRevokeTransferRequest, AssetRevokeTransferRequest__Output as _switchyard_v1_AssetRevokeTransferRequest__Output } from '../../switchyard/v1/AssetRevokeTransferRequest.js';
import type { AssetRevokeTransferResponse as _switchyard_v1_AssetRevokeTransferResponse, AssetRevokeTransferResponse__Output as _switchyard_v1_AssetRevokeTransferResponse__Output } from '../../switchyard/v1/AssetRevokeTransferResponse.js';
import type { AssetScanRootRequest as _switchyard_v1_AssetScanRootRequest, AssetScanRootRequest__Output as _switchyard_v1_AssetScanRootRequest__Output } from '../../switchyard/v1/AssetScanRootRequest.js';
import type { AssetScanRootResponse as _switchyard_v1_AssetScanRootResponse, AssetScanRootResponse__Output as _switchyard_v1_AssetScanRootResponse__Output } from '../../switchyard/v1/AssetScanRootResponse.js';
import type { AssetTreeDigestRequest as _switchyard_v1_AssetTreeDigestRequest, AssetTreeDigestRequest__Output as _switchyard_v1_AssetTreeDigestRequest__Output } from '../../switchyard/v1/AssetTreeDigestRequest.js';
import type { AssetTreeSummary as _switchyard_v1_AssetTreeSummary, AssetTreeSummary__Output as _switchyard_v1_AssetTreeSummary__Output } from '../../switchyard/v1/AssetTreeSummary.js';
import type { PullAssetsRequest as _switchyard_v1_PullAssetsRequest, PullAssetsRequest__Output as _switchyard_v1_PullAssetsRequest__Output } from '../../switchyard/v1/PullAssetsRequest.js';
import type { VerifyAssetsRequest as _switchyard_v1_VerifyAssetsRequest, VerifyAssetsRequest__Output as _switchyard_v1_VerifyAssetsRequest__Output } from '../../switchyard/v1/VerifyAssetsRequest.js';
import type { VerifyAssetsResponse as _switchyard_v1_VerifyAssetsResponse, VerifyAssetsResponse__Output as _switchyard_v1_VerifyAssetsResponse__Output } from '../../switchyard/v1/VerifyAssetsResponse.js';

export interface AssetsClient extends grpc.Client {
  AuthorizeTransfer(argument: _switchyard_v1_AssetAuthorizeTransferRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetAuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  AuthorizeTransfer(argument: _switchyard_v1_AssetAuthorizeTransferRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_AssetAuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  AuthorizeTransfer(argument: _switchyard_v1_AssetAuthorizeTransferRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetAuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  AuthorizeTransfer(argument: _switchyard_v1_AssetAuthorizeTransferRequest, callback: grpc.requestCallback<_switchyard_v1_AssetAuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  authorizeTransfer(argument: _switchyard_v1_AssetAuthorizeTransferRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetAuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  authorizeTransfer(argument: _switchyard_v1_AssetAuthorizeTransferRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_AssetAuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  authorizeTransfer(argument: _switchyard_v1_AssetAuthorizeTransferRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetAuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  authorizeTransfer(argument: _switchyard_v1_AssetAuthorizeTransferRequest, callback: grpc.requestCallback<_switchyard_v1_AssetAuthorizeTransferResponse__Output>): grpc.ClientUnaryCall;
  
  Fetch(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_switchyard_v1_AssetFetchRequest, _switchyard_v1_AssetFetchResponse__Output>;
  Fetch(options?: grpc.CallOptions): grpc.ClientDuplexStream<_switchyard_v1_AssetFetchRequest, _switchyard_v1_AssetFetchResponse__Output>;
  fetch(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_switchyard_v1_AssetFetchRequest, _switchyard_v1_AssetFetchResponse__Output>;
  fetch(options?: grpc.CallOptions): grpc.ClientDuplexStream<_switchyard_v1_AssetFetchRequest, _switchyard_v1_AssetFetchResponse__Output>;
  
  ListManifest(argument: _switchyard_v1_AssetListManifestRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_AssetManifestBatch__Output>;
  ListManifest(argument: _switchyard_v1_AssetListManifestRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_AssetManifestBatch__Output>;
  listManifest(argument: _switchyard_v1_AssetListManifestRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_AssetManifestBatch__Output>;
  listManifest(argument: _switchyard_v1_AssetListManifestRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_AssetManifestBatch__Output>;
  
  PullAssets(argument: _switchyard_v1_PullAssetsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_AssetPullEvent__Output>;
  PullAssets(argument: _switchyard_v1_PullAssetsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_AssetPullEvent__Output>;
  pullAssets(argument: _switchyard_v1_PullAssetsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_AssetPullEvent__Output>;
  pullAssets(argument: _switchyard_v1_PullAssetsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_switchyard_v1_AssetPullEvent__Output>;
  
  RevokeTransfer(argument: _switchyard_v1_AssetRevokeTransferRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetRevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  RevokeTransfer(argument: _switchyard_v1_AssetRevokeTransferRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_AssetRevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  RevokeTransfer(argument: _switchyard_v1_AssetRevokeTransferRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetRevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  RevokeTransfer(argument: _switchyard_v1_AssetRevokeTransferRequest, callback: grpc.requestCallback<_switchyard_v1_AssetRevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  revokeTransfer(argument: _switchyard_v1_AssetRevokeTransferRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetRevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  revokeTransfer(argument: _switchyard_v1_AssetRevokeTransferRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_AssetRevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  revokeTransfer(argument: _switchyard_v1_AssetRevokeTransferRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetRevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  revokeTransfer(argument: _switchyard_v1_AssetRevokeTransferRequest, callback: grpc.requestCallback<_switchyard_v1_AssetRevokeTransferResponse__Output>): grpc.ClientUnaryCall;
  
  ScanRoot(argument: _switchyard_v1_AssetScanRootRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetScanRootResponse__Output>): grpc.ClientUnaryCall;
  ScanRoot(argument: _switchyard_v1_AssetScanRootRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_AssetScanRootResponse__Output>): grpc.ClientUnaryCall;
  ScanRoot(argument: _switchyard_v1_AssetScanRootRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetScanRootResponse__Output>): grpc.ClientUnaryCall;
  ScanRoot(argument: _switchyard_v1_AssetScanRootRequest, callback: grpc.requestCallback<_switchyard_v1_AssetScanRootResponse__Output>): grpc.ClientUnaryCall;
  scanRoot(argument: _switchyard_v1_AssetScanRootRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetScanRootResponse__Output>): grpc.ClientUnaryCall;
  scanRoot(argument: _switchyard_v1_AssetScanRootRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_AssetScanRootResponse__Output>): grpc.ClientUnaryCall;
  scanRoot(argument: _switchyard_v1_AssetScanRootRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetScanRootResponse__Output>): grpc.ClientUnaryCall;
  scanRoot(argument: _switchyard_v1_AssetScanRootRequest, callback: grpc.requestCallback<_switchyard_v1_AssetScanRootResponse__Output>): grpc.ClientUnaryCall;
  
  TreeDigest(argument: _switchyard_v1_AssetTreeDigestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetTreeSummary__Output>): grpc.ClientUnaryCall;
  TreeDigest(argument: _switchyard_v1_AssetTreeDigestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_AssetTreeSummary__Output>): grpc.ClientUnaryCall;
  TreeDigest(argument: _switchyard_v1_AssetTreeDigestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetTreeSummary__Output>): grpc.ClientUnaryCall;
  TreeDigest(argument: _switchyard_v1_AssetTreeDigestRequest, callback: grpc.requestCallback<_switchyard_v1_AssetTreeSummary__Output>): grpc.ClientUnaryCall;
  treeDigest(argument: _switchyard_v1_AssetTreeDigestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetTreeSummary__Output>): grpc.ClientUnaryCall;
  treeDigest(argument: _switchyard_v1_AssetTreeDigestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_AssetTreeSummary__Output>): grpc.ClientUnaryCall;
  treeDigest(argument: _switchyard_v1_AssetTreeDigestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_AssetTreeSummary__Output>): grpc.ClientUnaryCall;
  treeDigest(argument: _switchyard_v1_AssetTreeDigestRequest, callback: grpc.requestCallback<_switchyard_v1_AssetTreeSummary__Output>): grpc.ClientUnaryCall;
  
  VerifyAssets(argument: _switchyard_v1_VerifyAssetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_VerifyAssetsResponse__Output>): grpc.ClientUnaryCall;
  VerifyAssets(argument: _switchyard_v1_VerifyAssetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_VerifyAssetsResponse__Output>): grpc.ClientUnaryCall;
  VerifyAssets(argument: _switchyard_v1_VerifyAssetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_VerifyAssetsResponse__Output>): grpc.ClientUnaryCall;
  VerifyAssets(argument: _switchyard_v1_VerifyAssetsRequest, callback: grpc.requestCallback<_switchyard_v1_VerifyAssetsResponse__Output>): grpc.ClientUnaryCall;
  verifyAssets(argument: _switchyard_v1_VerifyAssetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_VerifyAssetsResponse__Output>): grpc.ClientUnaryCall;
  verifyAssets(argument: _switchyard_v1_VerifyAssetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_v1_VerifyAssetsResponse__Output>): grpc.ClientUnaryCall;
  verifyAssets(argument: _switchyard_v1_VerifyAssetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_v1_VerifyAssetsResponse__Output>): grpc.ClientUnaryCall;
  verifyAssets(argument: _switchyard_v1_VerifyAssetsRequest, callback: grpc.requestCallback<_switchyard_v1_VerifyAssetsResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AssetsHandlers extends grpc.UntypedServiceImplementation {
  AuthorizeTransfer: grpc.handleUnaryCall<_switchyard_v1_AssetAuthorizeTransferRequest__Output, _switchyard_v1_AssetAuthorizeTransferResponse>;
  
  Fetch: grpc.handleBidiStreamingCall<_switchyard_v1_AssetFetchRequest__Output, _switchyard_v1_AssetFetchResponse>;
  
  ListManifest: grpc.handleServerStreamingCall<_switchyard_v1_AssetListManifestRequest__Output, _switchyard_v1_AssetManifestBatch>;
  
  PullAssets: grpc.handleServerStreamingCall<_switchyard_v1_PullAssetsRequest__Output, _switchyard_v1_AssetPullEvent>;
  
  RevokeTransfer: grpc.handleUnaryCall<_switchyard_v1_AssetRevokeTransferRequest__Output, _switchyard_v1_AssetRevokeTransferResponse>;
  
  ScanRoot: grpc.handleUnaryCall<_switchyard_v1_AssetScanRootRequest__Output, _switchyard_v1_AssetScanRootResponse>;
  
  TreeDigest: grpc.handleUnaryCall<_switchyard_v1_AssetTreeDigestRequest__Output, _switchyard_v1_AssetTreeSummary>;
  
  VerifyAssets: grpc.handleUnaryCall<_switchyard_v1_VerifyAssetsRequest__Output, _switchyard_v1_VerifyAssetsResponse>;
  
}

export interface AssetsDefinition extends grpc.ServiceDefinition {
  AuthorizeTransfer: MethodDefinition<_switchyard_v1_AssetAuthorizeTransferRequest, _switchyard_v1_AssetAuthorizeTransferResponse, _switchyard_v1_AssetAuthorizeTransferRequest__Output, _switchyard_v1_AssetAuthorizeTransferResponse__Output>
  Fetch: MethodDefinition<_switchyard_v1_AssetFetchRequest, _switchyard_v1_AssetFetchResponse, _switchyard_v1_AssetFetchRequest__Output, _switchyard_v1_AssetFetchResponse__Output>
  ListManifest: MethodDefinition<_switchyard_v1_AssetListManifestRequest, _switchyard_v1_AssetManifestBatch, _switchyard_v1_AssetListManifestRequest__Output, _switchyard_v1_AssetManifestBatch__Output>
  PullAssets: MethodDefinition<_switchyard_v1_PullAssetsRequest, _switchyard_v1_AssetPullEvent, _switchyard_v1_PullAssetsRequest__Output, _switchyard_v1_AssetPullEvent__Output>
  RevokeTransfer: MethodDefinition<_switchyard_v1_AssetRevokeTransferRequest, _switchyard_v1_AssetRevokeTransferResponse, _switchyard_v1_AssetRevokeTransferRequest__Output, _switchyard_v1_AssetRevokeTransferResponse__Output>
  ScanRoot: MethodDefinition<_switchyard_v1_AssetScanRootRequest, _switchyard_v1_AssetScanRootResponse, _switchyard_v1_AssetScanRootRequest__Output, _switchyard_v1_AssetScanRootResponse__Output>
  TreeDigest: MethodDefinition<_switchyard_v1_AssetTreeDigestRequest, _switchyard_v1_AssetTreeSummary, _switchyard_v1_AssetTreeDigestRequest__Output, _switchyard_v1_AssetTreeSummary__Output>
  VerifyAssets: MethodDefinition<_switchyard_v1_VerifyAssetsRequest, _switchyard_v1_VerifyAssetsResponse, _switchyard_v1_VerifyAssetsRequest__Output, _switchyard_v1_VerifyAssetsResponse__Output>
}
