// Original file: proto/switchyard/v1/database.proto

import type { RewriteRule as _switchyard_v1_RewriteRule, RewriteRule__Output as _switchyard_v1_RewriteRule__Output } from '../../switchyard/v1/RewriteRule.js';

export interface RewriteRequest {
  'schema'?: (string);
  'rules'?: (_switchyard_v1_RewriteRule)[];
  'dry_run'?: (boolean);
}

export interface RewriteRequest__Output {
  'schema': (string);
  'rules': (_switchyard_v1_RewriteRule__Output)[];
  'dry_run': (boolean);
}
