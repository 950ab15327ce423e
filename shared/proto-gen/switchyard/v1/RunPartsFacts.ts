// Original file: proto/switchyard/v1/agent.proto

import type { RunPartsScript as _switchyard_v1_RunPartsScript, RunPartsScript__Output as _switchyard_v1_RunPartsScript__Output } from '../../switchyard/v1/RunPartsScript.js';
import type { RunPartsUnreadable as _switchyard_v1_RunPartsUnreadable, RunPartsUnreadable__Output as _switchyard_v1_RunPartsUnreadable__Output } from '../../switchyard/v1/RunPartsUnreadable.js';

export interface RunPartsFacts {
  'dirs'?: (string)[];
  'scripts'?: (_switchyard_v1_RunPartsScript)[];
  'unreadable'?: (_switchyard_v1_RunPartsUnreadable)[];
  'naming'?: (string);
  'naming_from'?: (string);
}

export interface RunPartsFacts__Output {
  'dirs': (string)[];
  'scripts': (_switchyard_v1_RunPartsScript__Output)[];
  'unreadable': (_switchyard_v1_RunPartsUnreadable__Output)[];
  'naming': (string);
  'naming_from': (string);
}
