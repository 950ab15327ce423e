// Runtime parity of two named agents. Each comparison gets its own salt, sent to both agents,
// so env digests match across the pair yet cannot be linked to any other comparison's.
import { randomBytes } from 'node:crypto';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { ParityTable } from '../../shared/parity.js';
import { compareRuntimeFacts } from './runtime.js';
import type { VhostHosts } from './vhost.js';

export interface FactsSource {
  facts(name: string, salt: string): Promise<Facts__Output>;
}

export class RuntimeParityService {
  constructor(private readonly agents: FactsSource) {}

  /** `hosts`: each side's origin host, whose nginx server block is compared too. */
  async compare(staging: string, production: string, opts: { allowDiffer?: string[]; hosts?: VhostHosts } = {}): Promise<ParityTable> {
    const salt = randomBytes(16).toString('hex');
    const [s, p] = await Promise.all([this.agents.facts(staging, salt), this.agents.facts(production, salt)]);
    return compareRuntimeFacts(s, p, { stagingName: staging, productionName: production, allowDiffer: opts.allowDiffer ?? [], hosts: opts.hosts });
  }
}
