// Staging and production database servers side by side, with agents on them and a transfer
// authorised: the setup most database integration tests start from.
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { Connection } from 'mysql2/promise';
import type { AgentConfig } from '../../agent/config.js';
import type { Db } from '../../shared/state/sqlite.js';
import { withTwoMariaDbs, type MariaDbInstance } from './mariadb.js';
import { agentConfig, startDbAgent, unaryCall, type RunningAgent } from './db-fixture.js';

type After = Pick<TestContext, 'after'>;

export interface DbServers {
  staging: MariaDbInstance;
  production: MariaDbInstance;
  /** Root connections to staging and production. */
  s: Connection;
  p: Connection;
}

/** The peer a production agent is handed to pull `schema` from the staging agent. */
export interface TransferPeer {
  peer_address: string;
  transfer_token: string;
  source_schema: string;
  target_schema: string;
}

/**
 * Staging and production servers (each with the schema `shop`, or the `databases` given) and a
 * root connection to each; the connections are ended and the servers stopped after the test.
 */
export async function twoServers(t: After, databases: { staging: string[]; production: string[] } = { staging: ['shop'], production: ['shop'] }): Promise<DbServers> {
  const { staging, production } = await withTwoMariaDbs(t, databases);
  const s = await staging.rootConnection();
  const p = await production.rootConnection();
  t.after(async () => {
    await s.end();
    await p.end();
  });
  return { staging, production, s, p };
}

/** Authorises a transfer of `schema` on the staging agent (a random token, 600 s); returns the peer. */
export async function authorizeTransfer(stagingAgent: RunningAgent, schema = 'shop'): Promise<TransferPeer> {
  const token = randomBytes(24).toString('hex');
  await unaryCall(stagingAgent.client, 'AuthorizeTransfer', { token, schema, ttl_seconds: 600 });
  return { peer_address: stagingAgent.address, transfer_token: token, source_schema: schema, target_schema: schema };
}

export interface TwoAgentsOptions {
  /** The servers' schemas; default `shop` on both. */
  databases?: { staging: string[]; production: string[] };
  /** Added to the staging agent's config (as agentConfig's `extra`). */
  stagingConfig?: Partial<AgentConfig>;
  /** Merged into the production agent's `database` settings (another user, lockWaitSeconds...). */
  productionDatabase?: Partial<NonNullable<AgentConfig['database']>>;
  /** The schema the transfer is authorised for, on both sides; default `shop`. */
  schema?: string;
  /** The production agent's state (opened with DB_MIGRATIONS), for a test to read or seed it; default in memory. */
  productionState?: Db;
}

export interface TwoAgents<T> extends DbServers {
  stagingAgent: RunningAgent;
  prodAgent: RunningAgent;
  peer: TransferPeer;
  setup: T;
}

/**
 * Both servers with root connections, `setup` run on them before either agent starts (the data as
 * the sites had it; what it returns is the result's `setup`), agents staging-1 and prod-1 on them,
 * a transfer authorised on staging, and the peer to hand the production agent. All of it is
 * stopped after the test.
 */
export async function twoAgents<T = void>(t: After, setup?: (servers: DbServers) => Promise<T>, opts: TwoAgentsOptions = {}): Promise<TwoAgents<T>> {
  const servers = await twoServers(t, opts.databases);
  const prepared = (await setup?.(servers)) as T;
  const stagingAgent = await startDbAgent(t, agentConfig('staging-1', servers.staging, opts.stagingConfig));
  const prodCfg = agentConfig('prod-1', servers.production);
  const prodAgent = await startDbAgent(t, opts.productionDatabase === undefined ? prodCfg : { ...prodCfg, database: { ...prodCfg.database!, ...opts.productionDatabase } }, { state: opts.productionState });
  const peer = await authorizeTransfer(stagingAgent, opts.schema);
  return { ...servers, stagingAgent, prodAgent, peer, setup: prepared };
}
