// Original file: /work/main/proto/switchyard/v1/assets.proto

export const AssetRefresh = {
  ASSET_REFRESH_WATCHED: 'ASSET_REFRESH_WATCHED',
  ASSET_REFRESH_STAT: 'ASSET_REFRESH_STAT',
  ASSET_REFRESH_FULL: 'ASSET_REFRESH_FULL',
} as const;

export type AssetRefresh =
  | 'ASSET_REFRESH_WATCHED'
  | 0
  | 'ASSET_REFRESH_STAT'
  | 1
  | 'ASSET_REFRESH_FULL'
  | 2

export type AssetRefresh__Output = typeof AssetRefresh[keyof typeof AssetRefresh]
