// Original file: proto/switchyard/v1/agent.proto


export interface ScanTextRequest {
  'root'?: (string);
  'needle'?: (string);
  'extensions'?: (string)[];
  'max_matches'?: (number);
}

export interface ScanTextRequest__Output {
  'root': (string);
  'needle': (string);
  'extensions': (string)[];
  'max_matches': (number);
}
