// Runtime parity of two named agents. Each comparison gets its own salt, sent to both agents,
// so env digests match across the pair yet cannot be linked to any other comparison's.
import type { SiteQuery } from '../../shared/nginx-site.js';
import { randomBytes } from 'node:crypto';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { ParityTable } from '../../shared/parity.js';
import { compareRuntimeFacts } from './runtime.js';
import { siteQuery, type VhostHosts } from './vhost.js';

export interface FactsSource {
  /** `site`: only the server blocks answering it are wanted (the agent may send more). */
  facts(name: string, salt: string, site?: SiteQuery): Promise<Facts__Output>;
}

export class RuntimeParityService {
  constructor(private readonly agents: FactsSource) {}

  /** `hosts`: each side's origin host, whose nginx server block is compared too. */
  async compare(staging: string, production: string, opts: { allowDiffer?: string[]; hosts?: VhostHosts } = {}): Promise<ParityTable> {
    const salt = randomBytes(16).toString('hex');
    const hosts = opts.hosts;
    const site = (side: 'staging' | 'production') => (hosts === undefined ? undefined : siteQuery(hosts, side, staging === production));
    const [s, p] = await Promise.all([this.agents.facts(staging, salt, site('staging')), this.agents.facts(production, salt, site('production'))]);
    return compareRuntimeFacts(s, p, { stagingName: staging, productionName: production, allowDiffer: opts.allowDiffer ?? [], hosts: opts.hosts });
  }
}
