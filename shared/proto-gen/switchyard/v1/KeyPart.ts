// Original file: proto/switchyard/v1/database.proto


export interface KeyPart {
  'value'?: (Buffer | Uint8Array | string);
  'is_null'?: (boolean);
}

export interface KeyPart__Output {
  'value': (Buffer);
  'is_null': (boolean);
}
