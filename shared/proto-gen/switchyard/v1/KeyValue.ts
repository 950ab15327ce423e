// Original file: proto/switchyard/v1/database.proto

import type { KeyPart as _switchyard_v1_KeyPart, KeyPart__Output as _switchyard_v1_KeyPart__Output } from '../../switchyard/v1/KeyPart.js';

export interface KeyValue {
  'parts'?: (_switchyard_v1_KeyPart)[];
}

export interface KeyValue__Output {
  'parts': (_switchyard_v1_KeyPart__Output)[];
}
