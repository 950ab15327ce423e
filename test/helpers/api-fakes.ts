// Fakes of the REST edge's ports (controller/api/ports.ts): canned answers, and a record of
// what the routes asked, so a test can check both what was served and what was requested.
import { SwitchyardError } from '../../shared/errors.js';
import type { ParityTable } from '../../shared/parity.js';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { AgentHealth, AgentsPort, RuntimeParityOptions, RuntimeParityPort } from '../../controller/api/ports.js';
import { mockFacts } from './facts.js';
import type { SiteQuery } from '../../shared/nginx-site.js';

export interface FakeAgent {
  name: string;
  address: string;
  /** An Error makes health() reject, as a buggy directory might. */
  health?: AgentHealth | Error;
  /** An Error makes facts() reject with it. */
  facts?: Facts__Output | Error;
}

export interface FakeAgents extends AgentsPort {
  factsCalls: { name: string; salt: string; site?: SiteQuery }[];
}

export function fakeAgents(agents: FakeAgent[] = [
  { name: 'staging-1', address: '127.0.0.2:7701', health: { reachable: true, latencyMs: 3 } },
  { name: 'prod-1', address: '127.0.0.3:7701', health: { reachable: false, error: 'connect ECONNREFUSED 127.0.0.3:7701' } },
]): FakeAgents {
  const factsCalls: { name: string; salt: string; site?: SiteQuery }[] = [];
  const find = (name: string): FakeAgent => {
    const a = agents.find((x) => x.name === name);
    if (a === undefined) throw new SwitchyardError('SY_AGENT_UNKNOWN', `no agent named ${name}`);
    return a;
  };
  return {
    factsCalls,
    list: () => agents.map(({ name, address }) => ({ name, address })),
    health: async (name) => {
      const h = find(name).health ?? { reachable: true, latencyMs: 1 };
      if (h instanceof Error) throw h;
      return h;
    },
    facts: async (name, salt, site) => {
      factsCalls.push({ name, salt, ...(site === undefined ? {} : { site }) });
      const f = find(name).facts ?? mockFacts(name);
      if (f instanceof Error) throw f;
      return f;
    },
  };
}

export interface FakeParity extends RuntimeParityPort {
  calls: { staging: string; production: string; opts: RuntimeParityOptions }[];
}

export function sampleParityTable(staging: string, production: string): ParityTable {
  return {
    staging,
    production,
    rows: [
      { key: 'php.version', category: 'php', staging: '8.2.18', production: '8.2.18', status: 'equal' },
      { key: 'mysql.time_zone', category: 'database', staging: 'SYSTEM', production: 'UTC', status: 'differs' },
      { key: 'ENV:FOO', category: 'env', staging: 'digest:ab12', production: null, status: 'missing' },
    ],
    summary: { equal: 1, differs: 1, missing: 1, allowed: 0 },
  };
}

export function fakeParity(answer: (staging: string, production: string) => ParityTable = sampleParityTable): FakeParity {
  const calls: FakeParity['calls'] = [];
  return {
    calls,
    compare: async (staging, production, opts) => {
      calls.push({ staging, production, opts });
      return answer(staging, production);
    },
  };
}
