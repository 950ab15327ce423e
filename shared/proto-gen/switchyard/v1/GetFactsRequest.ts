// Original file: proto/switchyard/v1/agent.proto

import type { SiteQuery as _switchyard_v1_SiteQuery, SiteQuery__Output as _switchyard_v1_SiteQuery__Output } from '../../switchyard/v1/SiteQuery.js';

export interface GetFactsRequest {
  'env_salt'?: (string);
  'site'?: (_switchyard_v1_SiteQuery | null);
}

export interface GetFactsRequest__Output {
  'env_salt': (string);
  'site': (_switchyard_v1_SiteQuery__Output | null);
}
