// Original file: proto/switchyard/v1/database.proto

import type { KeyValue as _switchyard_v1_KeyValue, KeyValue__Output as _switchyard_v1_KeyValue__Output } from '../../switchyard/v1/KeyValue.js';
import type { Long } from '@grpc/proto-loader';

export interface KeyRange {
  'first'?: (_switchyard_v1_KeyValue | null);
  'last'?: (_switchyard_v1_KeyValue | null);
  'count'?: (number | string | Long);
  'text'?: (string);
}

export interface KeyRange__Output {
  'first': (_switchyard_v1_KeyValue__Output | null);
  'last': (_switchyard_v1_KeyValue__Output | null);
  'count': (string);
  'text': (string);
}
