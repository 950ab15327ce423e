// Original file: proto/switchyard/v1/agent.proto

import type { VirtualHostFacts as _switchyard_v1_VirtualHostFacts, VirtualHostFacts__Output as _switchyard_v1_VirtualHostFacts__Output } from '../../switchyard/v1/VirtualHostFacts.js';

export interface WebServerFacts {
  'kind'?: (string);
  'binary'?: (string);
  'version'?: (string);
  'modules'?: (string)[];
  'error'?: (string);
  'vhosts'?: (_switchyard_v1_VirtualHostFacts)[];
  'vhosts_read'?: (boolean);
  'vhosts_error'?: (string);
  'vhosts_total'?: (number);
  'vhosts_site'?: (string);
}

export interface WebServerFacts__Output {
  'kind': (string);
  'binary': (string);
  'version': (string);
  'modules': (string)[];
  'error': (string);
  'vhosts': (_switchyard_v1_VirtualHostFacts__Output)[];
  'vhosts_read': (boolean);
  'vhosts_error': (string);
  'vhosts_total': (number);
  'vhosts_site': (string);
}
