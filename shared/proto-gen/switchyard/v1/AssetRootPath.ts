// Original file: proto/switchyard/v1/agent.proto


export interface AssetRootPath {
  'name'?: (string);
  'path'?: (string);
}

export interface AssetRootPath__Output {
  'name': (string);
  'path': (string);
}
