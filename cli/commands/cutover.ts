// `switchyard cutover …`: the operator's verbs, all through the controller's REST API.
import type { Command } from 'commander';
import { RestClient, clientOptionsFrom, type ClientOptions, type PatienceOptions } from '../client/rest.js';
import { readEvents, type SseEvent } from '../client/sse.js';
import { STEP_NAMES } from '../../controller/cutover/states.js';
import { addClientOptions } from './agents.js';
import { BRIEF_RETRY, note } from './brief-retry.js';
import { SwitchyardError } from '../../shared/errors.js';
import { terminalSafe } from '../terminal-safe.js';
import { UsageError } from '../usage-error.js';
import { stagingLeftFrozen } from '../../shared/staging-left-frozen.js';
import { NOTHING_HELD, nothingHeld } from '../../shared/fallback-held.js';
import { ROLLBACK_CANCELLED } from '../../controller/report/model.js';

interface StepLike {
  name: string;
  state: string;
  durationMs: number | null;
  /** When it began (absent from older controllers): a running step's time so far is counted from it. */
  startedAt?: string | null;
  summary: string | null;
  error: { code: string; message: string } | null;
}
interface CutoverLike {
  id: string;
  site: string;
  state: string;
  /** A run or rollback is in flight. */
  running?: boolean;
  steps: StepLike[];
  error?: { code: string; message: string; step?: string } | null;
  rollback?: { state: string; reason: string; cancelled?: boolean; parts: Array<{ name: string; state: string; detail?: unknown }> } | null;
  fallbackUntil?: string | null;
  /** What the controller found wrong outside any step since it started (absent from older controllers). */
  warnings?: Array<{ message: string }>;
}

type Flags = { url?: string; token?: string; json?: boolean };
const out = (s: string): void => void process.stdout.write(`${terminalSafe(s)}\n`);
const MARK: Record<string, string> = { succeeded: '✔', failed: '✘', running: '▶', interrupted: '!', skipped: '–', pending: ' ' };

/**
 * The fallback window in one line. Nothing is released when it passes — a release drops the
 * copies an instant rollback needs — so once it is over the line says what is left to do.
 */
export function fallbackLine(c: Pick<CutoverLike, 'id' | 'state' | 'fallbackUntil'> & { steps?: unknown }, now = Date.now()): string | undefined {
  if (c.state !== 'fallback' || typeof c.fallbackUntil !== 'string') return undefined;
  const left = Date.parse(c.fallbackUntil) - now;
  const empty = nothingHeld(c.steps);
  if (left > 0) return `fallback window until ${c.fallbackUntil} (${timeLeft(left)}): ${empty ? NOTHING_HELD : 'staging read-only and ready; rollback goes back'}`;
  return `fallback window over since ${c.fallbackUntil} (${timeAgo(-left)}); ${empty ? `${NOTHING_HELD}; nothing is released on its own` : 'staging is still held read-only and nothing is released on its own'}: release when sure (switchyard cutover release ${c.id}), or roll back`;
}

/**
 * How long until the window ends, as the operator plans with it: the ISO time is UTC, not their
 * clock. Rounded up to the minute, so an open window never reads "in 0 min".
 */
export function timeLeft(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  const h = Math.floor(minutes / 60);
  return h === 0 ? `in ${minutes} min` : `in ${h} h ${minutes % 60} min`;
}

/** How long ago the window ended, in the same terms; rounded down, so a just-ended window reads "0 min ago". */
export function timeAgo(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const h = Math.floor(minutes / 60);
  return h === 0 ? `${minutes} min ago` : `${h} h ${minutes % 60} min ago`;
}

/**
 * A step's duration in the status table: tenths of a second under a minute (most steps), then
 * minutes and seconds, then hours and minutes, as the report writes them: `7200.0s` is not read
 * as two hours at a glance.
 */
export function stepDuration(ms: number): string {
  // 59.96 s would round up to "60.0s": from there on it is a minute.
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export function formatCutover(c: CutoverLike, now = Date.now()): string {
  const lines = [`cutover ${c.id} (${c.site}): ${c.state}`];
  // The duration column is as wide as its widest entry, right-aligned, so the summaries after it
  // start in one column whether a step took 0.4 s or 2 hours.
  // A running step shows its time so far and since when: at 3 a.m. "▶ monitor running" alone
  // does not tell a 15-minute watch just begun from a step hanging for an hour.
  const sinceStart = (s: StepLike): number | undefined => {
    if (s.state !== 'running' || typeof s.startedAt !== 'string') return undefined;
    const started = Date.parse(s.startedAt);
    return Number.isFinite(started) ? Math.max(0, now - started) : undefined;
  };
  const durations = c.steps.map((s) => {
    const soFar = sinceStart(s);
    return s.durationMs !== null ? stepDuration(s.durationMs) : soFar !== undefined ? stepDuration(soFar) : '';
  });
  const width = Math.max(0, ...durations.map((d) => d.length));
  c.steps.forEach((s, i) => {
    const d = width === 0 ? '' : ` ${durations[i]!.padStart(width)}`;
    const running = s.durationMs === null && sinceStart(s) !== undefined ? `  so far, since ${s.startedAt}` : '';
    const tail = s.error ? `  ${s.error.code}: ${s.error.message}` : s.summary ? `${running}  ${s.summary}` : running;
    lines.push(`  ${MARK[s.state] ?? '?'} ${s.name.padEnd(10)} ${s.state.padEnd(11)}${d}${tail}`.trimEnd());
  });
  if (c.error) lines.push(`error: ${c.error.code}: ${c.error.message}`);
  for (const w of c.warnings ?? []) lines.push(`⚠ ${w.message}`);
  if (c.rollback) {
    // A cancel has no parts: "rollback: done (reason) " alone left the reader to guess what was done.
    const parts = c.rollback.cancelled === true && c.rollback.parts.length === 0 ? ROLLBACK_CANCELLED : c.rollback.parts.map((p) => `${p.name}=${p.state}`).join(' ');
    lines.push(`rollback: ${c.rollback.state} (${c.rollback.reason}) ${parts}`.trimEnd());
    const frozen = stagingLeftFrozen(c.rollback.parts);
    if (frozen !== undefined) lines.push(`  ${frozen}`);
  }
  const fallback = fallbackLine(c, now);
  if (fallback !== undefined) lines.push(fallback);
  return lines.join('\n');
}

function bar(done: number, total: number, width = 24): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}

function human(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) (n /= 1024), i++;
  return `${n.toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
}

/**
 * What a progress event's `files` and `rows` count where they are not files and rows: the event
 * shape has those two counters only, and preflight counts its checks, propagate the DNS servers
 * answering, monitor the requests judged in its window with them. "preflight files 6/12" read as
 * six files copied.
 */
const COUNTED: Record<string, { files?: string; rows?: string }> = {
  preflight: { files: 'checks' },
  propagation: { files: 'servers' },
  monitor: { rows: 'requests' },
};

export function formatEvent(e: SseEvent): string {
  const d = e.data;
  const step = typeof d.step === 'string' ? d.step : '';
  switch (e.type) {
    case 'progress': {
      const parts: string[] = [];
      // A total the bytes have passed was an estimate that fell short (an older agent's guess
      // from information_schema): a full bar and "955.5 KiB/48.0 KiB" would say nothing true, so
      // the bytes are shown alone, as when no total is known.
      if (typeof d.bytes === 'number') parts.push(typeof d.bytesTotal === 'number' && d.bytesTotal > 0 && d.bytes <= d.bytesTotal ? `${bar(d.bytes, d.bytesTotal)} ${human(d.bytes)}/${human(d.bytesTotal)}` : human(d.bytes));
      const counted = (typeof d.phase === 'string' ? COUNTED[d.phase] : undefined) ?? {};
      const rows = counted.rows ?? 'rows';
      const files = counted.files ?? 'files';
      if (typeof d.rows === 'number') parts.push(typeof d.rowsTotal === 'number' ? `${rows} ${d.rows}/${d.rowsTotal}` : `${rows} ${d.rows}`);
      if (typeof d.files === 'number') parts.push(typeof d.filesTotal === 'number' ? `${files} ${d.files}/${d.filesTotal}` : `${files} ${d.files}`);
      if (typeof d.rate === 'number') parts.push(`${human(d.rate)}/s`);
      if (typeof d.etaSeconds === 'number') parts.push(`ETA ${Math.ceil(d.etaSeconds)}s`);
      return `  ${step.padEnd(10)} ${typeof d.phase === 'string' ? `${d.phase} ` : ''}${parts.join('  ')}${typeof d.message === 'string' ? ` ${d.message}` : ''}`;
    }
    case 'step-started':
      return `▶ ${step}`;
    case 'step-finished':
      return `${d.state === 'failed' ? '✘' : d.state === 'skipped' ? '–' : '✔'} ${step} ${String(d.state ?? '')}${typeof d.summary === 'string' ? `: ${d.summary}` : ''}${typeof d.error === 'object' && d.error !== null ? `: ${(d.error as { message?: string }).message ?? ''}` : ''}`;
    case 'state-changed':
      return `state → ${String(d.state ?? d.to ?? '')}`;
    case 'warning':
      return `⚠ ${typeof d.message === 'string' ? d.message : 'warning'}`;
    default:
      return `${e.type}${Object.keys(d).length > 3 ? ` ${JSON.stringify(Object.fromEntries(Object.entries(d).filter(([k]) => !['seq', 'at', 'type'].includes(k))))}` : ''}`;
  }
}

const RESTING = new Set(['planned', 'paused', 'failed', 'interrupted', 'fallback', 'completed', 'rolled_back', 'rollback_failed']);
/** Where a run or a watch ends that did not go as planned: the command exits non-zero. */
const UNSUCCESSFUL = new Set(['failed', 'interrupted', 'rolled_back', 'rollback_failed']);
const resting = (c: CutoverLike): boolean => RESTING.has(c.state) && c.running !== true;

/** The sequence number of the newest stored event, so a watch can start after it. */
async function lastSeq(opts: ClientOptions, id: string): Promise<number> {
  let seq = 0;
  for await (const e of readEvents(opts, `/v1/cutovers/${encodeURIComponent(id)}/events?follow=false`)) seq = Math.max(seq, e.id);
  return seq;
}

export interface WatchOptions {
  /** Only events after this sequence number (default: from the first). */
  after?: number;
}

/**
 * Prints events until the cutover rests. A resting state seen in replayed history does not end
 * the watch while the cutover is running again, so `watch` right after `advance` waits for it.
 * A cutover already at rest (planned, rolled back, a rollback repeated that had nothing left to
 * do) gets its stored events printed, all of them, and the watch ends: the server keeps a
 * following stream open, so waiting for a change there would wait forever.
 */
export async function watch(opts: ClientOptions, id: string, write: (s: string) => void = out, wo: WatchOptions = {}): Promise<CutoverLike> {
  const client = new RestClient(opts);
  const path = `/v1/cutovers/${encodeURIComponent(id)}`;
  const ac = new AbortController();
  const tty = process.stdout.isTTY === true && write === out;
  let lastProgress = false;
  // Read before the stream starts: what rests now has nothing more to say; anything that runs
  // after this read is in the stream, which replays history from `after` first.
  // Every read here waits out a drop or a restart as the stream does: the cutover runs on
  // without the watch, and a watch ending on a connection error would say nothing of how.
  const follow = !resting(await client.getPatiently<CutoverLike>(path));
  const query = [wo.after ? `after=${wo.after}` : '', follow ? '' : 'follow=false'].filter((x) => x !== '').join('&');
  const events = `${path}/events${query === '' ? '' : `?${query}`}`;
  for await (const e of readEvents(opts, events, ac.signal)) {
    const line = terminalSafe(formatEvent(e));
    if (tty && e.type === 'progress') {
      process.stdout.write(`\r\x1b[2K${line}`);
      lastProgress = true;
    } else {
      if (tty && lastProgress) process.stdout.write('\n');
      lastProgress = false;
      write(line);
    }
    // The state alone here: a run records its resting state a moment before it stops counting as running.
    if (follow && e.type === 'state-changed' && RESTING.has(String(e.data.state ?? e.data.to ?? ''))) {
      if (RESTING.has((await client.getPatiently<CutoverLike>(path)).state)) break;
    }
  }
  ac.abort();
  return client.getPatiently<CutoverLike>(path);
}

/** Starts something and watches only what it causes. */
export async function actAndWatch(opts: ClientOptions, id: string, act: () => Promise<unknown>, write: (s: string) => void = out): Promise<CutoverLike> {
  const after = await lastSeq(opts, id);
  await act();
  return watch(opts, id, write, { after });
}

/** A count option as typed: `10abc` and `1.5` are refused as written, not as NaN or rounded. */
function countOption(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new UsageError(`${flag}: must be a whole number of at least 1, not ${JSON.stringify(raw)}`, flag.slice(2));
  return Number(raw);
}

/** The largest page the API serves. */
const PAGE = 500;

/** The newest `limit` cutovers, or every one when `limit` is undefined, following the API's `next` pages. */
export async function listCutovers(client: RestClient, limit?: number, pageSize = PAGE, patience: PatienceOptions = { attempts: 1 }): Promise<CutoverLike[]> {
  return (await listCutoversMore(client, limit, pageSize, patience)).cutovers;
}

/** As listCutovers, and whether older cutovers are left beyond `limit` (the API gives no count, only a next page). */
export async function listCutoversMore(client: RestClient, limit?: number, pageSize = PAGE, patience: PatienceOptions = { attempts: 1 }): Promise<{ cutovers: CutoverLike[]; more: boolean }> {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) throw new UsageError(`--limit: must be a whole number of at least 1, not ${String(limit)}`, 'limit');
  const found: CutoverLike[] = [];
  const per = Math.min(limit ?? pageSize, pageSize);
  // The next page from its cursor, under our own base URL: the `next` path is as the server
  // sees the client, which behind a proxy with a prefix may not be how this base URL reads.
  let next: string | null = `/v1/cutovers?limit=${per}`;
  while (next !== null && (limit === undefined || found.length < limit)) {
    const page: { cutovers: CutoverLike[]; nextCursor?: string | null } = await client.getPatiently(next, patience);
    found.push(...page.cutovers);
    // A controller from before paging sends no cursor and the same first page every time: stop.
    const cursor = page.nextCursor;
    next = typeof cursor !== 'string' || cursor === '' || page.cutovers.length === 0 ? null : `/v1/cutovers?limit=${per}&cursor=${encodeURIComponent(cursor)}`;
  }
  if (limit === undefined) return { cutovers: found, more: false };
  return { cutovers: found.slice(0, limit), more: found.length > limit || next !== null };
}

export function registerCutoverCommand(program: Command): void {
  const cutover = program.command('cutover').description('create, advance, watch and roll back cutovers');

  addClientOptions(cutover.command('create').description('create a cutover from a plan (YAML or JSON)').requiredOption('--plan <file>', 'plan file')).action(
    async (o: Flags & { plan: string }) => {
      const { loadPlanFile } = await import('../../controller/cutover/plan.js');
      const plan = loadPlanFile(o.plan);
      const c = await new RestClient(clientOptionsFrom(o)).post<CutoverLike>('/v1/cutovers', plan);
      out(o.json ? JSON.stringify(c, null, 2) : `${c.id}\t${c.state}`);
    },
  );

  addClientOptions(
    cutover
      .command('advance <id>')
      .description('run the next steps up to and including --until')
      .requiredOption('--until <step>', `one of ${STEP_NAMES.join(', ')}`)
      .option('--wait', 'watch until the run stops, exit non-zero if it failed')
      .option('--force', 'also re-run a non-idempotent interrupted step'),
  ).action(async (id: string, o: Flags & { until: string; wait?: boolean; force?: boolean }) => {
    if (!(STEP_NAMES as readonly string[]).includes(o.until)) throw new UsageError(`--until: unknown step ${o.until}; one of ${STEP_NAMES.join(', ')}`, 'until');
    const opts = clientOptionsFrom(o);
    const advance = () => new RestClient(opts).post<CutoverLike>(`/v1/cutovers/${encodeURIComponent(id)}/advance`, { until: o.until, ...(o.force ? { force: true } : {}) });
    if (!o.wait) {
      const started = await advance();
      return out(o.json ? JSON.stringify(started, null, 2) : `${started.id}\t${started.state}`);
    }
    const end = await actAndWatch(opts, id, advance);
    out(formatCutover(end));
    if (UNSUCCESSFUL.has(end.state)) process.exitCode = 1;
  });

  addClientOptions(cutover.command('status <id>').description('state, every step with state, timings, result and error')).action(async (id: string, o: Flags) => {
    const c = await new RestClient(clientOptionsFrom(o)).getPatiently<CutoverLike>(`/v1/cutovers/${encodeURIComponent(id)}`, BRIEF_RETRY);
    out(o.json ? JSON.stringify(c, null, 2) : formatCutover(c));
  });

  addClientOptions(
    cutover.command('list').description('cutovers, newest first').option('--limit <n>', 'how many (default 50)').option('--all', 'every cutover, page after page'),
  ).action(async (o: Flags & { limit?: string; all?: boolean }) => {
    // Both given, one would be dropped unsaid: `--limit 1 --all` listed every cutover.
    if (o.all === true && o.limit !== undefined) {
      throw new UsageError('--limit and --all: give one, not both (--limit N lists the newest N cutovers, --all every one)', 'limit');
    }
    const limit = o.all === true ? undefined : countOption('--limit', o.limit ?? '50');
    const { cutovers, more } = await listCutoversMore(new RestClient(clientOptionsFrom(o)), limit, PAGE, BRIEF_RETRY);
    out(o.json ? JSON.stringify({ cutovers, more }, null, 2) : cutovers.map((c) => `${c.id}\t${c.site}\t${c.state}`).join('\n'));
    // On stderr: stdout stays one cutover a line for scripts. Without it `--limit 3` read as if
    // there were only three. The API counts nothing, so the note says how to see them, not how many.
    if (more && limit !== undefined) note(`${limit === 1 ? 'this is the newest cutover' : `these are the newest ${limit} cutovers`}; older ones exist: --limit ${limit * 2} for more, or --all for every one`);
  });

  addClientOptions(cutover.command('watch <id>').description('live progress from the event stream until the cutover rests')).action(async (id: string, o: Flags) => {
    const end = await watch(clientOptionsFrom(o), id);
    out(formatCutover(end));
    // A script waiting on `watch` learns from the exit code whether the cutover went wrong.
    if (UNSUCCESSFUL.has(end.state)) process.exitCode = 1;
  });

  addClientOptions(
    cutover.command('rollback <id>').description('revert DNS if switched, unlock staging; safe to repeat').option('--reason <text>', 'why, for the audit log').option('--wait', 'watch until it ends'),
  ).action(async (id: string, o: Flags & { reason?: string; wait?: boolean }) => {
    const opts = clientOptionsFrom(o);
    // Rollback is idempotent by contract, so a try lost to a drop or a proxy's 502/503/504 is
    // asked again (said on stderr); a second rollback finds the first done or under way.
    const rollback = () => new RestClient(opts).postIdempotent<CutoverLike>(`/v1/cutovers/${encodeURIComponent(id)}/rollback`, o.reason ? { reason: o.reason } : {}, BRIEF_RETRY);
    if (!o.wait) {
      const c = await rollback();
      return out(o.json ? JSON.stringify(c, null, 2) : `${c.id}\t${c.state}`);
    }
    const end = await actAndWatch(opts, id, rollback);
    out(formatCutover(end));
    if (end.state !== 'rolled_back') process.exitCode = 1;
  });

  addClientOptions(cutover.command('release <id>').description('end the fallback window → completed; safe to repeat')).action(async (id: string, o: Flags) => {
    // A release the controller already made answers the cutover as it is, so a try lost to a
    // drop is asked again like a rollback: the next one finds it completed.
    const c = await new RestClient(clientOptionsFrom(o)).postIdempotent<CutoverLike>(`/v1/cutovers/${encodeURIComponent(id)}/release`, {}, BRIEF_RETRY);
    out(o.json ? JSON.stringify(c, null, 2) : `${c.id}\t${c.state}`);
  });

  addClientOptions(cutover.command('prepare <id>').description('lower the record TTL ahead of the switch (ttlLeadHours)')).action(async (id: string, o: Flags) => {
    const r = await new RestClient(clientOptionsFrom(o)).post<Record<string, unknown>>(`/v1/cutovers/${encodeURIComponent(id)}/prepare`);
    out(JSON.stringify(r, null, o.json ? 2 : 0));
  });

  addClientOptions(cutover.command('report <id>').description('steps timeline, parity, validation findings, DNS propagation (--json: the raw report)')).action(async (id: string, o: Flags) => {
    const r = await new RestClient(clientOptionsFrom(o)).getPatiently<Record<string, unknown>>(`/v1/cutovers/${encodeURIComponent(id)}/report`, BRIEF_RETRY);
    const { formatReportText } = await import('../../controller/report/text.js');
    out(o.json ? JSON.stringify(r, null, 2) : formatReportText(r));
  });
}
