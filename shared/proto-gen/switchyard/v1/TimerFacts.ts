// Original file: proto/switchyard/v1/agent.proto

import type { TimerUnit as _switchyard_v1_TimerUnit, TimerUnit__Output as _switchyard_v1_TimerUnit__Output } from '../../switchyard/v1/TimerUnit.js';
import type { TimerUnreadable as _switchyard_v1_TimerUnreadable, TimerUnreadable__Output as _switchyard_v1_TimerUnreadable__Output } from '../../switchyard/v1/TimerUnreadable.js';

export interface TimerFacts {
  'dirs'?: (string)[];
  'timers'?: (_switchyard_v1_TimerUnit)[];
  'unreadable'?: (_switchyard_v1_TimerUnreadable)[];
}

export interface TimerFacts__Output {
  'dirs': (string)[];
  'timers': (_switchyard_v1_TimerUnit__Output)[];
  'unreadable': (_switchyard_v1_TimerUnreadable__Output)[];
}
