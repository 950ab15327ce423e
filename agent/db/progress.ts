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

export class ProgressMeter {
  rows = 0;
  bytes = 0;
  tablesDone = 0;
  private readonly started = Date.now();
  private lastEmit = 0;

  constructor(private readonly phase: string, private readonly tablesTotal: number, private readonly totalBytesEstimate: number, private readonly sink: ProgressSink | undefined) {}

  add(table: string, rows: number, bytes: number, force = false): void {
    this.rows += rows;
    this.bytes += bytes;
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
      totalBytesEstimate: this.totalBytesEstimate,
    });
  }

  tableDone(table: string): void {
    this.tablesDone++;
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
