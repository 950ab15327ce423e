// The agents the controller config names, and typed gRPC clients for them. Credentials are
// built once at construction, so a bad certificate path or a plaintext non-loopback target
// stops the controller at start-up rather than at the first cutover step.
import type { SiteQuery } from '../../shared/nginx-site.js';
import type { GetFactsRequest } from '../../shared/proto-gen/switchyard/v1/GetFactsRequest.js';
import * as grpc from '@grpc/grpc-js';
import { SwitchyardError } from '../../shared/errors.js';
import { joinHostPort, normalizeHost, plaintextAddress, splitHostPort } from '../../shared/grpc/address.js';
import { channelCredentials, channelOptions } from '../../shared/grpc/credentials.js';
import { loadProto } from '../../shared/grpc/load.js';
import type { Logger } from '../../shared/logger.js';
import type { AgentClient } from '../../shared/proto-gen/switchyard/v1/Agent.js';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { HelloResponse__Output } from '../../shared/proto-gen/switchyard/v1/HelloResponse.js';
import type { HealthClient } from '../../shared/proto-gen/grpc/health/v1/Health.js';
import type { HealthCheckResponse__Output } from '../../shared/proto-gen/grpc/health/v1/HealthCheckResponse.js';
import type { ControllerConfig } from '../config.js';
import { callUnary, type UnaryMethod } from './unary.js';

export type AgentEntry = ControllerConfig['agents'][number];

/** Any generated client class: `loadProto().switchyard.v1.Assets`, for example. */
export type ServiceClientConstructor<C extends grpc.Client> = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => C;

export interface AgentHealth {
  reachable: boolean;
  error?: string;
  latencyMs: number;
}

interface Target {
  entry: AgentEntry;
  /** Its address as one string for every spelling of it: names with equal ones reach one agent. */
  identity: string;
  /** What channels connect to: the address as configured, or its normalised spelling in plaintext (plaintextAddress). */
  dial: string;
  credentials: grpc.ChannelCredentials;
  options: grpc.ChannelOptions;
  channel?: grpc.Channel;
  clients: Map<ServiceClientConstructor<grpc.Client>, grpc.Client>;
}

export class AgentDirectory {
  readonly #targets = new Map<string, Target>();
  /** Each agent's last Hello, by address identity (two names for one address share it). */
  readonly #hellos = new Map<string, HelloResponse__Output>();
  readonly #timeoutMs: number;
  readonly #log: Logger;

  constructor(opts: { config: ControllerConfig; logger: Logger }) {
    const { config } = opts;
    this.#timeoutMs = config.agentTimeoutMs;
    this.#log = opts.logger.child({ component: 'agents' });
    config.agents.forEach((entry, i) => {
      const field = `agents[${i}].address`;
      if (this.#targets.has(entry.name)) throw new SwitchyardError('SY_CONFIG_INVALID', `agents[${i}].name: ${entry.name} is listed twice`, { field: `agents[${i}].name` });
      const { host, port } = splitHostPort(entry.address, field);
      const credentials = channelCredentials({ tls: config.tls, insecure: config.insecure, targetHost: host, hostField: field });
      const dial = config.insecure ? plaintextAddress(entry.address, field) : entry.address;
      this.#targets.set(entry.name, { entry, identity: addressIdentity(host, port), dial, credentials, options: channelOptions(entry.serverName), clients: new Map() });
    });
  }

  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  list(): AgentEntry[] {
    return [...this.#targets.values()].map((t) => ({ ...t.entry }));
  }

  has(name: string): boolean {
    return this.#targets.has(name);
  }

  /** `field` names where the name came from (a plan key, a route parameter) for the error. */
  get(name: string, field = 'agent'): AgentEntry {
    return { ...this.#target(name, field).entry };
  }

  #target(name: string, field: string): Target {
    const t = this.#targets.get(name);
    if (t === undefined) {
      const known = [...this.#targets.keys()].join(', ') || 'none configured';
      throw new SwitchyardError('SY_AGENT_UNKNOWN', `${field}: no agent named ${JSON.stringify(name)} in the controller config (known: ${known})`, { field });
    }
    return t;
  }

  /** The one channel (one HTTP/2 connection) every service client of this agent shares. */
  channelFor(name: string, field = 'agent'): grpc.Channel {
    const t = this.#target(name, field);
    t.channel ??= new grpc.Channel(t.dial, t.credentials, t.options);
    return t.channel;
  }

  /** A client of any service on the agent, same address and credentials, cached per class. */
  makeClient<C extends grpc.Client>(name: string, ctor: ServiceClientConstructor<C>, field = 'agent'): C {
    const t = this.#target(name, field);
    let client = t.clients.get(ctor);
    if (client === undefined) {
      client = new ctor(t.dial, t.credentials, { ...t.options, channelOverride: this.channelFor(name, field) });
      t.clients.set(ctor, client);
    }
    return client as C;
  }

  client(name: string, field = 'agent'): AgentClient {
    return this.makeClient(name, loadProto().switchyard.v1.Agent, field);
  }

  /** Unary call on any client with this directory's deadline and typed errors. */
  call<C extends grpc.Client, Req, Res>(name: string, client: C, method: UnaryMethod<Req, Res>, request: Req, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Res> {
    return callUnary(client, method, request, { timeoutMs: opts.timeoutMs ?? this.#timeoutMs, context: `agent ${name}`, ...(opts.signal ? { signal: opts.signal } : {}) });
  }

  /** Also kept, for rootPaths() and instance(). */
  async hello(name: string, field = 'agent'): Promise<HelloResponse__Output> {
    const t = this.#target(name, field);
    const c = this.client(name, field);
    const res = await this.call<AgentClient, object, HelloResponse__Output>(name, c, c.Hello, {});
    this.#hellos.set(t.identity, res);
    return res;
  }

  /**
   * Hello to every agent, so rootPaths() knows them before a cutover asks (the exclusivity check
   * is synchronous). Never throws: an agent that does not answer now is asked again by the next
   * preflight that uses it, and until then its roots compare by name.
   */
  async helloAll(): Promise<void> {
    await Promise.all(
      [...this.#targets.keys()].map((name) =>
        this.hello(name).catch((err: unknown) => this.#log.debug({ agent: name, err }, 'hello failed; its asset roots compare by name until it answers')),
      ),
    );
  }

  /**
   * The same string for every name the config gives one address (host without case, IP literals
   * written one way, the loopback spellings as `localhost`, and the port: see addressIdentity),
   * the name itself for an unknown one: what the exclusivity check compares instead of agent names
   * while the agent's Hello has reported no instance id.
   */
  identity(name: string): string {
    return this.#targets.get(name)?.identity ?? name;
  }

  /**
   * The id the agent's last Hello reported (the name's, or another name's for its address):
   * names whose addresses differ (a DNS name and its address; 127.0.0.1 and 127.0.0.2 to an agent
   * on 0.0.0.0) and whose Hellos report one id reach one agent. Undefined before a Hello answered
   * and from an agent before HelloResponse.instance_id: its address alone tells it apart then.
   */
  instance(name: string): string | undefined {
    const t = this.#targets.get(name);
    const id = t === undefined ? undefined : this.#hellos.get(t.identity)?.instance_id;
    return id === undefined || id === '' ? undefined : id;
  }

  /** The address as the config writes it, for messages; undefined for an unknown name. */
  address(name: string): string | undefined {
    return this.#targets.get(name)?.entry.address;
  }

  /**
   * Root name -> real path on the agent, from its last Hello; undefined before one answered, or
   * from an agent older than the field (its roots then compare by name only).
   */
  rootPaths(name: string): ReadonlyMap<string, string> | undefined {
    const t = this.#targets.get(name);
    const hello = t === undefined ? undefined : this.#hellos.get(t.identity);
    if (hello === undefined || hello.asset_root_paths.length === 0) return undefined;
    return new Map(hello.asset_root_paths.map((r) => [r.name, r.path]));
  }

  /**
   * `site`: the agent sends only the server blocks nginx answers that site with (agents before
   * GetFactsRequest.site send all, which the comparison matches the same).
   */
  facts(name: string, salt: string, site?: SiteQuery, field = 'agent'): Promise<Facts__Output> {
    const c = this.client(name, field);
    const request: GetFactsRequest = { env_salt: salt, ...(site === undefined ? {} : { site: { host: site.host, address: site.address ?? '', ports: [...site.ports] } }) };
    return this.call<AgentClient, object, Facts__Output>(name, c, c.GetFacts, request);
  }

  /** Never throws for an unreachable agent: that is an answer, reported with the reason. */
  async health(name: string, field = 'agent'): Promise<AgentHealth> {
    const c = this.makeClient<HealthClient>(name, loadProto().grpc.health.v1.Health, field);
    const started = performance.now();
    const latency = (): number => Math.round((performance.now() - started) * 10) / 10;
    try {
      const res = await this.call<HealthClient, object, HealthCheckResponse__Output>(name, c, c.Check, { service: '' });
      if (res.status === 'SERVING') return { reachable: true, latencyMs: latency() };
      return { reachable: false, error: `agent ${name} reports ${res.status}`, latencyMs: latency() };
    } catch (err) {
      this.#log.debug({ agent: name, err }, 'health check failed');
      return { reachable: false, error: (err as Error).message, latencyMs: latency() };
    }
  }

  close(): void {
    // Every client of an agent rides its one channel, so closing the channel closes them all.
    for (const t of this.#targets.values()) {
      t.clients.clear();
      t.channel?.close();
      delete t.channel;
    }
  }
}

/**
 * `host:port` with the host written one way (normalizeHost, which the plaintext loopback check
 * shares): `Prod-1.Internal.:7701` is `prod-1.internal:7701`, `[2001:DB8:0::1]:7701` is
 * `[2001:db8::1]:7701`, `127.1` is `127.0.0.1`, `[::ffff:203.0.113.5]` is `203.0.113.5`. The loopback
 * names and literals a target reaches this host's agent by — `localhost` (its resolver answers
 * both 127.0.0.1 and ::1, and gRPC takes whichever connects), `127.0.0.1` and `::1` — are one host,
 * `localhost`: two agents on 127.0.0.1 and ::1 with one port would be taken as one, which only
 * refuses a run that could have gone ahead, while `localhost:7701` and `127.0.0.1:7701` taken as two
 * let two cutovers copy into one root. No name is resolved (DNS answers change, and a lookup here
 * would hold a synchronous check): two DNS names for one host, or a DNS name and its address, stay
 * two here; the instance id in the agents' Hellos joins them (instance(), and agentKey in exclusive.ts).
 */
export function addressIdentity(host: string, port: number): string {
  let h = normalizeHost(host);
  if (h === '127.0.0.1' || h === '::1') h = 'localhost';
  return joinHostPort(h, port);
}
