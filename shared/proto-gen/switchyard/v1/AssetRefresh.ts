// Original file: proto/switchyard/v1/assets.proto

export const AssetRefresh = {
  ASSET_REFRESH_WATCHED: 'ASSET_REFRESH_WATCHED',
  ASSET_REFRESH_STAT: 'ASSET_REFRESH_STAT',
  ASSET_REFRESH_FULL: 'ASSET_REFRESH_FULL',
  ASSET_REFRESH_NONE: 'ASSET_REFRESH_NONE',
} as const;

export type AssetRefresh =
  | 'ASSET_REFRESH_WATCHED'
  | 0
  | 'ASSET_REFRESH_STAT'
  | 1
  | 'ASSET_REFRESH_FULL'
  | 2
  | 'ASSET_REFRESH_NONE'
  | 3

export type AssetRefresh__Output = typeof AssetRefresh[keyof typeof AssetRefresh]
