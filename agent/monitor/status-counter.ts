// Counts access-log lines by status for one interval at a time; `take` hands the interval's
// counts over and starts the next. Lines from the user agent the controller names (its own
// probes, which it counts itself) and from its validation requests are set apart: counted in both places, one failed probe would
// weigh as two errors and a quiet site's window would look twice as full as it is.
import type { StatusCounts } from '../../shared/proto-gen/switchyard/v1/StatusCounts.js';
import { parseAccessLogLine, statusClass } from './access-log-parser.js';
import type { Rotation } from './log-tailer.js';
import { VALIDATE_USER_AGENT } from '../../shared/user-agents.js';

export class StatusCounter {
  #start: Date;
  #total = 0;
  #unparsed = 0;
  #byClass: Record<string, number> = {};
  #byStatus: Record<number, number> = {};
  #rotations: Rotation[] = [];
  #excluded = 0;
  #unread: string[] = [];
  #unplaced: string[] = [];
  #readError = '';
  readonly #excludeUserAgent: string;

  constructor(now: Date = new Date(), excludeUserAgent = '') {
    this.#start = now;
    this.#excludeUserAgent = excludeUserAgent;
  }

  addLines(lines: string[]): void {
    for (const line of lines) {
      const e = parseAccessLogLine(line);
      if (e === null) {
        this.#unparsed++;
        continue;
      }
      // A controller that names its probes' user agent counts its own traffic itself: its
      // validation requests (propagate's, after the switch) are set apart with the probes.
      if (this.#excludeUserAgent !== '' && (e.userAgent === this.#excludeUserAgent || e.userAgent === VALIDATE_USER_AGENT)) {
        this.#excluded++;
        continue;
      }
      this.#total++;
      const cls = statusClass(e.status);
      this.#byClass[cls] = (this.#byClass[cls] ?? 0) + 1;
      this.#byStatus[e.status] = (this.#byStatus[e.status] ?? 0) + 1;
    }
  }

  /** A line too long for the tailer to keep: not counted by status, so counted as unparsed. */
  oversized(): void {
    this.#unparsed++;
  }

  rotated(kind: Rotation): void {
    this.#rotations.push(kind);
  }

  /** A rotated file whose lines could not be read (see LogTailerOptions.onUnread). */
  unread(file: string, why: string): void {
    this.#unread.push(`${file}: ${why}`);
  }

  /** The rotated-away file could not be placed among its copies (see LogTailerOptions.onUnplaced). */
  unplaced(why: string): void {
    this.#unplaced.push(why);
  }

  /** A failed read of the log: the interval's counts say so, or a log the agent cannot read looks like a quiet site. */
  readError(err: Error): void {
    this.#readError = err.message;
  }

  take(now: Date, path: string): StatusCounts {
    const out: StatusCounts = {
      window_start: this.#start.toISOString(),
      interval_ms: Math.max(0, now.getTime() - this.#start.getTime()),
      total: this.#total,
      by_class: this.#byClass,
      by_status: this.#byStatus,
      unparsed: this.#unparsed,
      rotations: this.#rotations,
      path,
      excluded: this.#excluded,
      excluded_user_agent: this.#excludeUserAgent,
      unread: this.#unread,
      read_error: this.#readError,
      unplaced: this.#unplaced,
    };
    this.#start = now;
    this.#total = 0;
    this.#unparsed = 0;
    this.#excluded = 0;
    this.#byClass = {};
    this.#byStatus = {};
    this.#rotations = [];
    this.#unread = [];
    this.#unplaced = [];
    this.#readError = '';
    return out;
  }
}
