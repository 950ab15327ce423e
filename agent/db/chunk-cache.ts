// What the production agent remembers between presync, sync and verify of one target schema:
// each table's chunk boundaries (picked on staging while presync streamed the rows) and the last
// known checksum of every chunk on each side, with a mark per side (update-guard.ts): the sums
// of that side stand for as long as the table's UPDATE_TIME shows no commit since the mark. Every
// write of ours outside a chunk repair (rewrite, merge, rollback, another full copy) forgets the
// schema; a repair drops that table's production mark until its sums are read again.
// Memory only: after a restart, sync and verify fall back to checksumming everything.
import type { Key } from './convert.js';
import type { RangeBounds } from './sql.js';
import type { ChunkSum } from './checksum.js';
import type { SideMark } from './update-guard.js';

export interface TablePlan {
  /** Normalized DDL the sums belong to; another DDL makes the plan unusable. */
  ddl: string;
  keyColumns: string[];
  /** Chunk i is [boundaries[i-1], boundaries[i]); boundaries.length + 1 chunks. */
  boundaries: Key[];
  prod: Array<ChunkSum | undefined>;
  staging: Array<ChunkSum | undefined>;
  /** Set only when every chunk's sum of that side was read after the mark was taken. */
  prodMark?: SideMark;
  stagingMark?: SideMark;
  /** Server second of our last write to the table (a repair); the next mark must be past it. */
  lastWrite?: number;
}

export interface SchemaPlan {
  tables: Map<string, TablePlan>;
}

export function chunkCount(p: Pick<TablePlan, 'boundaries'>): number {
  return p.boundaries.length + 1;
}

export function chunkRange(p: Pick<TablePlan, 'boundaries'>, i: number): RangeBounds {
  return { lower: i === 0 ? undefined : p.boundaries[i - 1], upper: i === p.boundaries.length ? undefined : p.boundaries[i] };
}

export function newTablePlan(ddl: string, keyColumns: string[], boundaries: Key[]): TablePlan {
  const n = boundaries.length + 1;
  return { ddl, keyColumns, boundaries, prod: new Array<ChunkSum | undefined>(n).fill(undefined), staging: new Array<ChunkSum | undefined>(n).fill(undefined) };
}

export const sameSum = (a: ChunkSum | undefined, b: ChunkSum | undefined): boolean => a !== undefined && b !== undefined && a.rows === b.rows && a.checksum === b.checksum;

export class ChunkCache {
  private readonly schemas = new Map<string, SchemaPlan>();

  get(schema: string): SchemaPlan | undefined {
    return this.schemas.get(schema);
  }

  set(schema: string, plan: SchemaPlan): void {
    this.schemas.set(schema, plan);
  }

  forget(schema: string): void {
    this.schemas.delete(schema);
  }
}
