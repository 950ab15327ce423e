// Original file: proto/switchyard/v1/assets.proto


export interface AssetDifference {
  'path'?: (string);
  'kind'?: (string);
  'staging'?: (string);
  'production'?: (string);
}

export interface AssetDifference__Output {
  'path': (string);
  'kind': (string);
  'staging': (string);
  'production': (string);
}
