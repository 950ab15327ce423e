// Where production's access log ended at the switch, taken by propagate as it starts and read by
// monitor, whose tail then counts from there: the requests real visitors make while DNS spreads
// (up to propagationTimeoutSeconds) are judged too, not only those after monitor opens the log.
import { fromGrpcError } from '../../../shared/errors.js';
import type { AgentClient } from '../../../shared/proto-gen/switchyard/v1/Agent.js';
import type { StepContext } from '../executor.js';

export const ACCESS_LOG_START_KEY = 'accessLogStart';

/**
 * `tailSha256` finds the file again once compressed, `dev` tells a file of that inode on another
 * filesystem apart (each absent from an agent that predates it).
 */
export type AccessLogStart = { path: string; inode: string; offset: string; at: string; tailSha256?: string; dev?: string } | { unavailable: string };

/** A point to count the access log on from, as AccessLogFeed takes it; `at` is on the agent's clock. */
export interface CountFrom {
  inode: string;
  offset: string;
  at?: string;
  tailSha256?: string;
  dev?: string;
}

/** Never throws: without a position monitor counts from its own start, as before. */
export function takeAccessLogStart(clientFor: () => AgentClient, agent: string, timeoutMs = 5000): Promise<AccessLogStart> {
  return new Promise((resolve) => {
    let client: AgentClient;
    try {
      client = clientFor();
    } catch (err) {
      resolve({ unavailable: (err as Error).message });
      return;
    }
    // A client without the method (a stand-in, a build that predates it) is an answer too, not a throw.
    if (typeof client.AccessLogPosition !== 'function') {
      resolve({ unavailable: `agent ${agent}: no AccessLogPosition on its client` });
      return;
    }
    client.AccessLogPosition({}, { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err !== null || res === undefined) {
        const e = err === null ? new Error('no answer') : fromGrpcError(err, `agent ${agent} AccessLogPosition`);
        const old = (err as { code?: number } | null)?.code === 12; // UNIMPLEMENTED: an agent that predates it
        resolve({ unavailable: old ? `agent ${agent} predates AccessLogPosition (upgrade it): the access log is counted from monitor's start only` : e.message });
        return;
      }
      resolve({ path: res.path, inode: res.inode, offset: res.offset, at: res.at, ...(res.tail_sha256 ? { tailSha256: res.tail_sha256 } : {}), ...(/^\d+$/.test(res.dev ?? '') ? { dev: res.dev } : {}) });
    });
  });
}

/** The position an earlier attempt of this step took, so a re-run keeps the one from the switch. */
export function earlierAccessLogStart(ctx: Pick<StepContext, 'previousAttempt'>): AccessLogStart | undefined {
  const ev = ctx.previousAttempt?.result?.evidence as Record<string, unknown> | undefined;
  const v = ev?.[ACCESS_LOG_START_KEY] as { inode?: unknown } | undefined;
  return typeof v?.inode === 'string' ? (v as AccessLogStart) : undefined;
}

/** The position propagate took, for monitor; `at` is the agent's clock when it was taken. */
export function switchAccessLogStart(ctx: Pick<StepContext, 'record'>): CountFrom | undefined {
  const ev = ctx.record.step('propagate')?.result?.evidence as Record<string, unknown> | undefined;
  return countFrom(ev?.[ACCESS_LOG_START_KEY]);
}

/** A stored position (the switch's, or where stored counts ended) read back; undefined when unusable. */
export function countFrom(value: unknown): CountFrom | undefined {
  const v = value as { inode?: unknown; offset?: unknown; at?: unknown; tailSha256?: unknown; dev?: unknown } | null | undefined;
  if (typeof v?.inode !== 'string' || typeof v.offset !== 'string' || !/^\d+$/.test(v.inode) || !/^\d+$/.test(v.offset)) return undefined;
  return {
    inode: v.inode,
    offset: v.offset,
    ...(typeof v.at === 'string' ? { at: v.at } : {}),
    ...(typeof v.tailSha256 === 'string' ? { tailSha256: v.tailSha256 } : {}),
    ...(typeof v.dev === 'string' && /^\d+$/.test(v.dev) ? { dev: v.dev } : {}),
  };
}

/**
 * How long before its arrival the first counts from the switch position began: from when the
 * position was taken to the end of that first interval, both on the agent's clock (so no skew
 * against the controller's). Undefined when the stream did not start there or the times are unusable.
 */
export function backlogSpanMs(first: { start?: string; window_start: string; interval_ms: number }, switchAt: string | undefined): number | undefined {
  if (first.start !== 'position' || switchAt === undefined) return undefined;
  const span = Date.parse(first.window_start) + first.interval_ms - Date.parse(switchAt);
  return Number.isFinite(span) && span > 0 ? span : undefined;
}
