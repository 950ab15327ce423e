// The production agent's TailAccessLog stream, kept open for the whole monitor step: each
// message is handed over as it comes, and a broken stream (agent restarted, network blip) is
// reopened after a pause. Each message says where the lines it counted end (counted_to): a reopened
// stream is asked to go on from the last one received, so the lines written while it was down —
// a 5xx burst during the reconnect — are counted, and none twice. Before any counts arrived the
// stream is asked to start at `from` if there is one (the switch position, or where the counts of
// a watch interrupted by a controller restart ended), at the log's end if not; an agent that predates counted_to starts every reopened stream at the end, its lines from
// the break on lost (said in `reopenedAtEnd`). The agent sends a message every interval even when the log is quiet, so a
// stream silent for several intervals is dead even though it neither ended nor failed (a frozen
// agent, a connection dropped without a reset — gRPC sends no keepalives here): it is given up and
// reopened like a broken one. At the watch's end the counts up to then are asked for at once
// (finalCounts): a short stream from the last counted_to, instead of waiting up to an interval for
// the live one's next counts.
import { status as GrpcStatus, type ClientReadableStream } from '@grpc/grpc-js';
import { fromGrpcError, SwitchyardError } from '../../../shared/errors.js';
import type { AgentClient } from '../../../shared/proto-gen/switchyard/v1/Agent.js';
import type { StatusCounts__Output } from '../../../shared/proto-gen/switchyard/v1/StatusCounts.js';
import type { CountFrom } from './access-log-start.js';

export interface FeedState {
  agent: string;
  connects: number;
  messages: number;
  /** The agent said it cannot tail (no accessLog configured, file missing): not retried. */
  unavailable: string | null;
  errors: { at: string; message: string }[];
  /**
   * Rotations the agent followed, the newest MAX_ROTATIONS_KEPT (a busy log rotated by size every
   * few minutes would otherwise grow the evidence, stored each round, for as long as the watch);
   * `rotationCount` counts them all.
   */
  rotations: { at: string; kind: string }[];
  rotationCount: number;
  /**
   * Rotated files the agent could not read ("<path>: <why>"): their lines are not in the counts.
   * One entry per file, as first reported (a reopened stream may name it again), the first
   * MAX_UNREAD_KEPT of them; `unreadCount` counts them all.
   */
  unread: { at: string; file: string }[];
  unreadCount: number;
  /**
   * Times the agent told which rotated files came after the one it was reading by mtime, not by
   * their names (that file not found beside the log, or copies named another way beside it), so
   * lines may be missed or counted twice: the agent's words, the newest MAX_UNREAD_KEPT;
   * `unplacedCount` counts them all.
   */
  unplaced: { at: string; why: string }[];
  unplacedCount: number;
  /** Intervals in which the agent could not read the log, one entry per run of the same error. */
  readErrors: { at: string; message: string; intervals: number }[];
  /** The agent's `start` of the first stream that sent counts ('' from an agent predating it); null before. */
  start: string | null;
  /** Reopened streams that went on from where the counts before them ended: nothing lost. */
  resumed: number;
  /**
   * Reopened streams that started at the log's end, the lines since the last counts not counted:
   * `why` is an agent predating counted_to, or the agent's `start` when the position was gone.
   */
  reopenedAtEnd: { at: string; why: string; times: number }[];
  /**
   * Why the counts asked for at the watch's end (finalCounts) did not come: what was logged since
   * the counts before them is not counted. Null when they came, or were not asked for.
   */
  lastCountsMissed: string | null;
}

export interface AccessLogFeedOptions {
  agent: string;
  client: AgentClient;
  intervalMs: number;
  /** The user agent of the monitor's own probes, which the agent leaves out of its counts. */
  excludeUserAgent?: string;
  /**
   * Where to count from instead of the end: an AccessLogPosition answer (the switch), or where the
   * counts an interrupted watch stored ended.
   */
  from?: CountFrom;
  onCounts: (c: StatusCounts__Output) => void;
  reconnectMs?: number;
  /** Silence after which an open stream counts as dead; default 3 intervals + 2 s. */
  stallMs?: number;
  /**
   * The same before the first counts of a stream asked to start at `from`, default 2 min (or
   * stallMs if longer): the agent reads the whole backlog since the switch first — rotated files,
   * a gzip'd one decompressed — and given up half-way it would be asked for all of it again.
   * A stream reopened from the last counts' counted_to has only what was written since those
   * counts to read: it is given as long as they are old (at least stallMs, at most this).
   */
  backlogStallMs?: number;
  now?: () => Date;
}

const MAX_ERRORS_KEPT = 20;
const MAX_UNREAD_KEPT = 20;
/** Rotations named in the state: the newest 20 (the last ones are what explains a gap now). */
export const MAX_ROTATIONS_KEPT = 20;
/** Files told apart beyond that, for unreadCount; more than this many are counted without telling repeats apart. */
const MAX_UNREAD_SEEN = 1000;

/** The interval asked of the stream that fetches the watch's last counts: the agent's least (MIN_INTERVAL_MS). */
const FINAL_INTERVAL_MS = 100;

/** The file an agent's unread entry ("<path>: <why>") names. */
function unreadFile(entry: string): string {
  return /^(.+?): (?:not read|read )/.exec(entry)?.[1] ?? entry;
}

export class AccessLogFeed {
  readonly state: FeedState;
  #opts: AccessLogFeedOptions;
  #call: ClientReadableStream<StatusCounts__Output> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #stopped = false;
  /** The last counted_to received: where the next stream goes on from. */
  #countedTo: { from_inode: string; from_offset: string; from_tail_sha256: string; from_dev: string } | undefined;
  /** When #countedTo arrived (ms): a stream reopened from it has what was written since then to read. */
  #countedToAt = 0;
  #unreadSeen = new Set<string>();
  /** `from` is where the log ended a moment ago, not a backlog: the first stream gets the live stall. */
  #fromIsEnd = false;

  constructor(opts: AccessLogFeedOptions) {
    this.#opts = opts;
    this.state = { agent: opts.agent, connects: 0, messages: 0, unavailable: null, errors: [], rotations: [], rotationCount: 0, unread: [], unreadCount: 0, unplaced: [], unplacedCount: 0, readErrors: [], start: null, resumed: 0, reopenedAtEnd: [], lastCountsMissed: null };
  }

  /**
   * `endAt`: where the log ends now (AccessLogPosition, taken when there is no `from`): counted
   * from there rather than from wherever the stream happens to open, so that point is known —
   * stored as where the counts end, a watch cut short before any counts arrived goes on from it.
   */
  start(endAt?: CountFrom): void {
    if (endAt !== undefined && this.#opts.from === undefined) {
      this.#opts = { ...this.#opts, from: endAt };
      this.#fromIsEnd = true;
    }
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#watchdog);
    this.#call?.cancel();
    this.#call = undefined;
  }

  #now(): string {
    return (this.#opts.now?.() ?? new Date()).toISOString();
  }

  /**
   * The counts of what was logged since the last ones, now — for the watch's end, so it ends on
   * time and a 5xx burst in its last seconds is still judged: the live stream is stopped (its later
   * messages are not taken: no line is counted twice) and one is opened from the last counted_to
   * at the agent's shortest interval; its first counts are taken in like any, and the feed stops.
   * Resolves once they came, or failed, or `timeoutMs` passed (said in `errors`). Before any
   * counts (a feed never started: a watch resumed past its end) they are asked for from `from`.
   * Undefined, with nothing changed, when there is nothing to go on from (no counts and no `from`,
   * an agent that predates counted_to) or the feed is stopped or unavailable: the live stream's
   * next counts are all there is.
   */
  finalCounts(timeoutMs: number): Promise<void> | undefined {
    const fromStart = this.state.messages === 0 && this.#opts.from !== undefined;
    if (this.#stopped || (this.#countedTo === undefined && !fromStart) || this.state.unavailable !== null) return undefined;
    clearTimeout(this.#timer);
    clearTimeout(this.#watchdog);
    const live = this.#call;
    // Set aside first: the CANCELLED error the cancel brings is this feed's own doing.
    this.#call = undefined;
    live?.cancel();
    return new Promise((resolve) => this.#connect({ done: resolve, timeoutMs }));
  }

  #connect(final?: { done: () => void; timeoutMs: number }): void {
    if (this.#stopped) return;
    // The last counts' stream is no reconnect: not a break of the stream.
    if (final === undefined) this.state.connects++;
    // Once counts arrived, lines up to their counted_to were counted: a reopened stream goes on
    // from there, or (from an agent that sends none) starts at the end.
    const reopened = this.state.messages > 0;
    const from = this.#countedTo ?? (this.#opts.from !== undefined && !reopened ? { from_inode: this.#opts.from.inode, from_offset: this.#opts.from.offset, from_tail_sha256: this.#opts.from.tailSha256 ?? '', from_dev: this.#opts.from.dev ?? '' } : {});
    let first = true;
    const call = this.#opts.client.TailAccessLog({ interval_ms: final === undefined ? this.#opts.intervalMs : FINAL_INTERVAL_MS, exclude_user_agent: this.#opts.excludeUserAgent ?? '', ...from });
    this.#call = call;
    const liveStallMs = this.#opts.stallMs ?? 3 * this.#opts.intervalMs + 2000;
    const backlogStallMs = Math.max(liveStallMs, this.#opts.backlogStallMs ?? 120_000);
    // Reading what was written in some time takes the agent less than that time; a stream given up
    // before its first counts is reopened with an older counted_to, so a real backlog still gets its time.
    let stallMs = final !== undefined ? final.timeoutMs : !('from_inode' in from) || (this.#countedTo === undefined && this.#fromIsEnd) ? liveStallMs : this.#countedTo === undefined ? backlogStallMs : Math.min(backlogStallMs, Math.max(liveStallMs, Date.now() - this.#countedToAt));
    const watch = (): void => {
      clearTimeout(this.#watchdog);
      this.#watchdog = setTimeout(() => {
        retry(final !== undefined ? `none came in ${Math.round(stallMs / 100) / 10} s` : `no access-log counts for ${Math.round(stallMs / 100) / 10} s (the agent sends one every ${this.#opts.intervalMs / 1000} s): the stream looks dead`, false);
        // Set aside first: the CANCELLED error the cancel brings is this feed's own doing.
        if (this.#call === call) this.#call = undefined;
        call.cancel();
      }, stallMs);
    };
    call.on('data', (c: StatusCounts__Output) => {
      // A given-up stream's late message: its lines are the next stream's to count.
      if (this.#call !== call) return;
      if (final === undefined) stallMs = liveStallMs;
      watch();
      if (this.state.messages === 0) this.state.start = c.start ?? '';
      if (first && reopened) {
        if ('from_inode' in from && c.start === 'position') {
          if (final === undefined) this.state.resumed++;
        }
        else {
          const why = 'from_inode' in from ? (c.start ? c.start : 'the agent predates counting from a position') : 'the agent predates saying where its counts end (counted_to)';
          const last = this.state.reopenedAtEnd.at(-1);
          if (last?.why === why) last.times++;
          else this.state.reopenedAtEnd.push({ at: this.#now(), why, times: 1 });
          if (this.state.reopenedAtEnd.length > MAX_ERRORS_KEPT) this.state.reopenedAtEnd.shift();
        }
      }
      first = false;
      const at = c.counted_to;
      if (at != null && /^\d+$/.test(at.inode) && /^\d+$/.test(String(at.offset))) {
        this.#countedTo = { from_inode: at.inode, from_offset: String(at.offset), from_tail_sha256: at.tail_sha256 ?? '', from_dev: at.dev ?? '' };
        this.#countedToAt = Date.now();
      }
      this.state.messages++;
      for (const kind of c.rotations) {
        this.state.rotations.push({ at: this.#now(), kind });
        this.state.rotationCount++;
      }
      if (this.state.rotations.length > MAX_ROTATIONS_KEPT) this.state.rotations.splice(0, this.state.rotations.length - MAX_ROTATIONS_KEPT);
      // Absent from an agent that predates the field (grpc fills [] for a current one's empty list).
      for (const file of c.unread ?? []) this.#noteUnread(file);
      for (const why of c.unplaced ?? []) {
        this.state.unplacedCount++;
        this.state.unplaced.push({ at: this.#now(), why });
        if (this.state.unplaced.length > MAX_UNREAD_KEPT) this.state.unplaced.shift();
      }
      if (c.read_error) {
        const last = this.state.readErrors.at(-1);
        if (last?.message === c.read_error) last.intervals++;
        else this.state.readErrors.push({ at: this.#now(), message: c.read_error, intervals: 1 });
        if (this.state.readErrors.length > MAX_ERRORS_KEPT) this.state.readErrors.shift();
      }
      this.#opts.onCounts(c);
      if (final !== undefined) {
        this.stop();
        final.done();
      }
    });
    let over = false;
    const retry = (message: string, permanent: boolean): void => {
      if (over || this.#stopped || this.#call !== call) return;
      over = true;
      clearTimeout(this.#watchdog);
      this.state.errors.push({ at: this.#now(), message });
      if (this.state.errors.length > MAX_ERRORS_KEPT) this.state.errors.shift();
      if (final !== undefined) {
        this.state.lastCountsMissed = message;
        this.stop();
        final.done();
        return;
      }
      if (permanent) {
        this.state.unavailable = message;
        return;
      }
      this.#timer = setTimeout(() => this.#connect(), this.#opts.reconnectMs ?? Math.max(1000, this.#opts.intervalMs));
    };
    call.on('error', (err: Error) => {
      const e = fromGrpcError(err, `agent ${this.#opts.agent} TailAccessLog`);
      // An agent too old for this RPC will not learn it by being asked again, nor one whose log
      // was never there. Once the log has been read, though, a missing file on a reconnect is a
      // rotation caught between rename and create: it is asked for again, not given up for the
      // rest of the watch.
      const noLog = e instanceof SwitchyardError && (e.code === 'SY_PRECONDITION' || e.code === 'SY_CONFIG_INVALID');
      const permanent = (err as { code?: number }).code === GrpcStatus.UNIMPLEMENTED || (noLog && this.state.messages === 0);
      retry(e.message, permanent);
    });
    call.on('end', () => retry('the stream ended', false));
    watch();
  }

  #noteUnread(entry: string): void {
    const file = unreadFile(entry);
    if (this.#unreadSeen.has(file)) return;
    if (this.#unreadSeen.size < MAX_UNREAD_SEEN) this.#unreadSeen.add(file);
    this.state.unreadCount++;
    if (this.state.unread.length < MAX_UNREAD_KEPT) this.state.unread.push({ at: this.#now(), file: entry });
  }
}
