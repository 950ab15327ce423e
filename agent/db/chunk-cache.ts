// What the production agent remembers between presync, sync and verify of one target schema:
// each table's chunk boundaries (picked on staging while presync streamed the rows) and the last
// known checksum of every chunk on each side. Production's sums stay true for as long as nobody
// but this agent writes the schema, which holds from presync until the switch; every write of
// ours outside a chunk repair (rewrite, merge, rollback, another full copy) forgets the schema.
// Memory only: after a restart, sync and verify fall back to checksumming everything.
import type { Key } from './convert.js';
import type { RangeBounds } from './sql.js';
import type { ChunkSum } from './checksum.js';

export interface TablePlan {
  /** Normalized DDL the sums belong to; another DDL makes the plan unusable. */
  ddl: string;
  keyColumns: string[];
  /** Chunk i is [boundaries[i-1], boundaries[i]); boundaries.length + 1 chunks. */
  boundaries: Key[];
  prod: Array<ChunkSum | undefined>;
  staging: Array<ChunkSum | undefined>;
}

export interface SchemaPlan {
  tables: Map<string, TablePlan>;
  /** Staging's freeze (lock time) when the staging sums were taken; '' when it was not frozen. */
  frozenSince: string;
  /** A sync ran to its end under that freeze: every chunk's staging sum is known. */
  synced: boolean;
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
