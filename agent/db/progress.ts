// Rows, bytes, tables and rate of a running copy, reported at most a few times a second.
export interface ProgressEvent {
  phase: string;
  table: string;
  rows: number;
  bytes: number;
  tablesDone: number;
  tablesTotal: number;
  rateBytesPerSecond: number;
  totalBytesEstimate: number;
}

export type ProgressSink = (p: ProgressEvent) => void;

/**
 * Byte counts per table against what information_schema guessed for it. DATA_LENGTH is pages on
 * disk, not the rows on the wire: a small table is one 16 KiB page whatever it holds, so a copy
 * of three such tables sent 955 KiB against a "total" of 48 KiB and showed 100 % most of the way.
 * A table's guess is raised to what it has sent so far and replaced by what it sent once it is
 * done, so the total never falls behind the bytes and is exact at the end.
 */
class ByteEstimate {
  private readonly sent = new Map<string, number>();
  private readonly done = new Set<string>();

  constructor(private readonly guess: ReadonlyMap<string, number>) {}

  add(table: string, bytes: number): void {
    if (bytes !== 0) this.sent.set(table, (this.sent.get(table) ?? 0) + bytes);
  }

  finish(table: string): void {
    this.done.add(table);
  }

  total(): number {
    let sum = 0;
    for (const [table, guess] of this.guess) {
      const sent = this.sent.get(table) ?? 0;
      sum += this.done.has(table) ? sent : Math.max(guess, sent);
    }
    for (const [table, sent] of this.sent) if (!this.guess.has(table)) sum += sent;
    return sum;
  }
}

export class ProgressMeter {
  rows = 0;
  bytes = 0;
  tablesDone = 0;
  private readonly started = Date.now();
  private lastEmit = 0;
  private readonly estimate: ByteEstimate | undefined;

  /** `bytesEstimate`: each table's expected bytes by name, or 0 when nothing is known (the total is then reported as 0). */
  constructor(private readonly phase: string, private readonly tablesTotal: number, bytesEstimate: ReadonlyMap<string, number> | 0, private readonly sink: ProgressSink | undefined) {
    this.estimate = bytesEstimate === 0 ? undefined : new ByteEstimate(bytesEstimate);
  }

  add(table: string, rows: number, bytes: number, force = false): void {
    this.rows += rows;
    this.bytes += bytes;
    this.estimate?.add(table, bytes);
    const now = Date.now();
    if (!force && now - this.lastEmit < 250) return;
    this.lastEmit = now;
    this.sink?.({
      phase: this.phase,
      table,
      rows: this.rows,
      bytes: this.bytes,
      tablesDone: this.tablesDone,
      tablesTotal: this.tablesTotal,
      rateBytesPerSecond: this.bytes / Math.max(0.001, (now - this.started) / 1000),
      totalBytesEstimate: this.estimate?.total() ?? 0,
    });
  }

  tableDone(table: string): void {
    this.tablesDone++;
    this.estimate?.finish(table);
    this.add(table, 0, 0, true);
  }
}

/** Runs tasks with at most `n` at a time; the first failure stops new tasks and is rethrown. */
export async function runPool<T>(items: T[], n: number, fn: (item: T, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (w: number) => {
    while (failed === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item, w);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, (_, w) => worker(w)));
  if (failed !== undefined) throw failed;
}
