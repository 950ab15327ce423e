// Between the wire messages and the agent's own types.
import type { SnapshotInfo, SnapshotInfo__Output } from '../../shared/proto-gen/switchyard/v1/SnapshotInfo.js';
import type { KeyValue, KeyValue__Output } from '../../shared/proto-gen/switchyard/v1/KeyValue.js';
import type { ChunkRange, ChunkRange__Output } from '../../shared/proto-gen/switchyard/v1/ChunkRange.js';
import type { SchemaInfo, SchemaObject, Table } from './inspect.js';
import type { RangeBounds } from './sql.js';

export type Key = Array<Buffer | null>;

export function keyToWire(k: Key): KeyValue {
  return { parts: k.map((v) => (v === null ? { is_null: true } : { value: v })) };
}

export function keyFromWire(k: KeyValue__Output | null | undefined): Key | undefined {
  if (k === null || k === undefined) return undefined;
  return k.parts.map((p) => (p.is_null ? null : Buffer.from(p.value)));
}

export function rangeToWire(r: RangeBounds | undefined): ChunkRange | undefined {
  if (r === undefined) return undefined;
  return { lower: r.lower === undefined ? null : keyToWire(r.lower), upper: r.upper === undefined ? null : keyToWire(r.upper) };
}

export function rangeFromWire(r: ChunkRange__Output | null | undefined): RangeBounds | undefined {
  if (r === null || r === undefined) return undefined;
  return { lower: keyFromWire(r.lower), upper: keyFromWire(r.upper) };
}

export function snapshotToWire(id: string, info: SchemaInfo, sharedView: boolean, parallelism: number): SnapshotInfo {
  return {
    snapshot_id: id,
    schema: info.schema,
    shared_view: sharedView,
    parallelism,
    default_charset: info.defaultCharset,
    default_collation: info.defaultCollation,
    auto_increment_increment: info.autoIncrementIncrement ?? 1,
    auto_increment_offset: info.autoIncrementOffset ?? 1,
    frozen_since: info.frozenSince ?? '',
    guard_mark: info.guardMark ?? 0,
    checksum_algos: info.checksumAlgos ?? [],
    tables: info.tables.map((t) => ({
      name: t.name,
      create_sql: t.createSql,
      columns: t.columns.map((c) => ({ name: c.name, data_type: c.dataType, column_type: c.columnType, charset: c.charset ?? '', collation: c.collation ?? '', generated: c.generated, nullable: c.nullable })),
      key_columns: t.keyColumns,
      key_name: t.keyName,
      approx_rows: t.approxRows,
      approx_bytes: t.approxBytes,
      auto_increment: t.autoIncrement,
      update_time: t.stamp?.update ?? 0,
      create_time: t.stamp?.create ?? 0,
    })),
    objects: info.objects.map((o) => ({ kind: o.kind, name: o.name, create_sql: o.createSql, sql_mode: o.sqlMode, character_set_client: o.characterSetClient, collation_connection: o.collationConnection, time_zone: o.timeZone ?? '' })),
  };
}

export function snapshotFromWire(s: SnapshotInfo__Output): SchemaInfo & { snapshotId: string; sharedView: boolean; parallelism: number } {
  const charsetOk = (x: string, fallback: string) => (/^[a-z0-9_]+$/i.test(x) ? x : fallback);
  return {
    snapshotId: s.snapshot_id,
    sharedView: s.shared_view,
    parallelism: s.parallelism,
    schema: s.schema,
    exists: true,
    defaultCharset: charsetOk(s.default_charset, 'utf8mb4'),
    defaultCollation: charsetOk(s.default_collation, 'utf8mb4_general_ci'),
    autoIncrementIncrement: s.auto_increment_increment,
    autoIncrementOffset: s.auto_increment_offset,
    frozenSince: s.frozen_since,
    ...(Number(s.guard_mark) > 0 ? { guardMark: Number(s.guard_mark) } : {}),
    checksumAlgos: s.checksum_algos ?? [],
    tables: s.tables.map(
      (t): Table => ({
        name: t.name,
        createSql: t.create_sql,
        columns: t.columns.map((c) => ({ name: c.name, dataType: c.data_type, columnType: c.column_type, charset: c.charset === '' ? null : c.charset, collation: c.collation === '' ? null : c.collation, generated: c.generated, nullable: c.nullable })),
        keyColumns: t.key_columns,
        keyName: t.key_name,
        approxRows: Number(t.approx_rows),
        approxBytes: Number(t.approx_bytes),
        autoIncrement: t.auto_increment,
        stamp: { update: Number(t.update_time) > 0 ? Number(t.update_time) : null, create: Number(t.create_time) > 0 ? Number(t.create_time) : null },
      }),
    ),
    objects: s.objects.map((o): SchemaObject => ({ kind: o.kind as SchemaObject['kind'], name: o.name, createSql: o.create_sql, sqlMode: o.sql_mode, characterSetClient: o.character_set_client, collationConnection: o.collation_connection, timeZone: o.time_zone })),
  };
}

/** "12" or "a,3" for reports; binary parts as hex. */
export function keyText(k: Key | undefined): string {
  if (k === undefined) return '∞';
  return k.map((v) => (v === null ? 'NULL' : /^[\x20-\x7e]*$/.test(v.toString('latin1')) ? v.toString('latin1') : `0x${v.toString('hex')}`)).join(',');
}
