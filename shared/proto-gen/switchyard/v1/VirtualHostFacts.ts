// Original file: proto/switchyard/v1/agent.proto

import type { VhostDirective as _switchyard_v1_VhostDirective, VhostDirective__Output as _switchyard_v1_VhostDirective__Output } from '../../switchyard/v1/VhostDirective.js';

export interface VirtualHostFacts {
  'server_names'?: (string)[];
  'listen'?: (string)[];
  'file'?: (string);
  'line'?: (number);
  'directives'?: (_switchyard_v1_VhostDirective)[];
}

export interface VirtualHostFacts__Output {
  'server_names': (string)[];
  'listen': (string)[];
  'file': (string);
  'line': (number);
  'directives': (_switchyard_v1_VhostDirective__Output)[];
}
