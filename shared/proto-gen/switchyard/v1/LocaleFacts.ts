// Original file: proto/switchyard/v1/agent.proto


export interface LocaleFacts {
  'lang'?: (string);
  'lc_all'?: (string);
  'available'?: (string)[];
  'error'?: (string);
}

export interface LocaleFacts__Output {
  'lang': (string);
  'lc_all': (string);
  'available': (string)[];
  'error': (string);
}
