// What the REST edge needs from the rest of the controller. Routes depend on these small
// interfaces, never on the gRPC directory or the comparison code, so each side can be built
// and tested alone; tests pass fakes.
import type { SiteQuery } from '../../shared/nginx-site.js';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { ParityTable } from '../../shared/parity.js';

export interface AgentSummary {
  name: string;
  address: string;
}

export interface AgentHealth {
  reachable: boolean;
  latencyMs?: number;
  error?: string;
}

export interface AgentsPort {
  /** The agents in the controller config, in config order. */
  list(): AgentSummary[];
  /** Never rejects for an unreachable agent: that is `reachable: false` with the reason. */
  health(name: string): Promise<AgentHealth>;
  /** Throws SwitchyardError (SY_AGENT_UNKNOWN, SY_AGENT_UNREACHABLE, SY_AGENT_TIMEOUT, ...). */
  /** `site`: only the server blocks answering it are wanted (the agent may send more). */
  facts(name: string, salt: string, site?: SiteQuery): Promise<Facts__Output>;
  /** One string for every name of one agent's address (plan checks); without it names compare. */
  identity?(name: string): string;
  /** The instance id the agent's last Hello reported; undefined when not known. */
  instance?(name: string): string | undefined;
  /** Root name -> real path from the agent's last Hello; undefined when not known. */
  rootPaths?(name: string): ReadonlyMap<string, string> | undefined;
  /** The address as the config writes it, for messages. */
  address?(name: string): string | undefined;
}

export interface RuntimeParityOptions {
  /** Row keys (e.g. `ENV:FOO`, `mysql.time_zone`) whose difference is expected. */
  allowDiffer?: string[];
  /** Each side's origin host: the nginx server block serving it is compared too (`web.vhost.*`). */
  hosts?: {
    staging: string;
    production: string;
    /** Each side's origin address: a `listen` on it compares as the side's own address. */
    addresses?: { staging?: string; production?: string };
  };
}

export interface RuntimeParityPort {
  compare(staging: string, production: string, opts: RuntimeParityOptions): Promise<ParityTable>;
}
