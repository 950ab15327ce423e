// Watches a switched record spread: the authoritative servers must answer the new value first
// (else resolvers would only re-cache the old one), then every resolver is polled concurrently
// until it answers it too, or time runs out. Each server keeps its last answer, TTL and latency.
import { performance } from 'node:perf_hooks';
import { queryDns } from './query.js';
import { normalizeName } from './provider.js';
import { sleep } from '../../shared/sleep.js';

export interface PropagationOptions {
  name: string;
  type?: string;
  /** The values every server must answer (order free). */
  expected: string[];
  authoritative: string[];
  resolvers: string[];
  timeoutMs: number;
  intervalMs?: number;
  /** An answer slower than this does not count; the server is asked again next round. */
  maxLatencyMs?: number;
  queryTimeoutMs?: number;
  signal?: AbortSignal;
  /** Called after each round with every server's state, for progress events. */
  onRound?: (servers: ServerResult[]) => void;
  /**
   * A resolver that gave no answer this many rounds in a row is taken as unreachable from here
   * (a network that blocks it) and no longer waited for; default 3. Authoritative servers are
   * always waited for.
   */
  unreachableAfter?: number;
}

export interface ServerResult {
  server: string;
  role: 'authoritative' | 'resolver';
  answer: string[];
  ttl: number | null;
  latencyMs: number | null;
  ok: boolean;
  error: string | null;
  attempts: number;
  /** Queries in a row that got no answer at all (timeout, refused, unreachable). */
  failuresInRow: number;
}

export interface PropagationResult {
  ok: boolean;
  elapsedMs: number;
  servers: ServerResult[];
  /** Share of servers whose last query failed (timeout, refused, SERVFAIL). */
  errorRate: number;
}

const same = (a: string[], b: string[]) => {
  const norm = (xs: string[]) => [...new Set(xs.map(normalizeName))].sort().join(',');
  return norm(a) === norm(b);
};

async function probe(s: ServerResult, o: PropagationOptions): Promise<void> {
  s.attempts++;
  try {
    const a = await queryDns(s.server, o.name, o.type ?? 'A', { timeoutMs: o.queryTimeoutMs ?? 2000 });
    s.answer = a.answers;
    s.ttl = a.ttl;
    s.latencyMs = a.latencyMs;
    const slow = o.maxLatencyMs !== undefined && a.latencyMs > o.maxLatencyMs;
    s.ok = same(a.answers, o.expected) && !slow;
    s.error = slow ? `latency ${a.latencyMs} ms over ${o.maxLatencyMs} ms` : null;
    s.failuresInRow = 0;
  } catch (err) {
    s.failuresInRow++;
    s.ok = false;
    s.error = (err as Error).message;
    s.latencyMs = null;
  }
}


export async function waitForPropagation(o: PropagationOptions): Promise<PropagationResult> {
  // Monotonic: a step of the system clock (NTP, a VM resumed) must not end the wait, which would
  // read as servers that never answered and roll a good switch back, nor stretch it by the step.
  const started = performance.now();
  const deadline = started + o.timeoutMs;
  const interval = o.intervalMs ?? 2000;
  const mk = (server: string, role: ServerResult['role']): ServerResult => ({ server, role, answer: [], ttl: null, latencyMs: null, ok: false, error: null, attempts: 0, failuresInRow: 0 });
  const auth = o.authoritative.map((s) => mk(s, 'authoritative'));
  const res = o.resolvers.map((s) => mk(s, 'resolver'));
  const all = [...auth, ...res];

  for (;;) {
    const authDone = auth.every((s) => s.ok);
    // Servers that answered right are not asked again: a later cached answer can only be the same.
    const round = authDone ? res.filter((s) => !s.ok) : auth.filter((s) => !s.ok);
    await Promise.all(round.map((s) => probe(s, o)));
    o.onRound?.(all.map((s) => ({ ...s })));
    if (all.every((s) => s.ok)) break;
    // Every resolver that can be reached answers right: the rest are judged by the caller, not
    // waited for until the timeout.
    const unreachable = (s: ServerResult) => s.failuresInRow >= (o.unreachableAfter ?? 3);
    if (authDone && res.every((s) => s.ok || unreachable(s))) break;
    if (auth.every((s) => s.ok) && !authDone) continue; // go straight on to the resolvers
    if (performance.now() + interval > deadline || o.signal?.aborted) break;
    await sleep(interval, o.signal);
    if (o.signal?.aborted) break;
  }
  for (const s of res) if (s.attempts === 0) s.error = 'not queried: authoritative servers never answered the new value';
  const failed = all.filter((s) => s.attempts > 0 && s.latencyMs === null).length;
  return { ok: all.every((s) => s.ok), elapsedMs: Math.round(performance.now() - started), servers: all, errorRate: all.length ? failed / all.length : 0 };
}
