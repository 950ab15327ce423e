// SQL text built from names and key values that came from elsewhere: identifiers are quoted,
// key values become hex literals with an explicit charset, so nothing received can inject SQL.
import { SwitchyardError } from '../../shared/errors.js';

export function qi(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

export function qt(schema: string, table: string): string {
  return `${qi(schema)}.${qi(table)}`;
}

/** Schema names we accept from a controller request: plain, short, never one of our own helper schemas. */
export function checkSchemaName(name: string, field: string): string {
  if (!/^[A-Za-z0-9_$-]{1,48}$/.test(name)) {
    throw new SwitchyardError('SY_VALIDATION', `${field}: ${JSON.stringify(name)} is not a plain schema name`, { field });
  }
  if (name.includes('__sy_')) throw new SwitchyardError('SY_VALIDATION', `${field}: ${name} is a Switchyard work schema`, { field });
  return name;
}

export const shadowSchema = (schema: string): string => `${schema}__sy_shadow`;
export const prevSchema = (schema: string): string => `${schema}__sy_prev`;
/** Where a kept schema records the views, triggers, routines and events its tables had. */
export const KEPT_TABLE = '__sy_kept';

export interface KeyColumnType {
  name: string;
  dataType: string;
  charset: string | null;
  collation: string | null;
}

const NUMERIC = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric', 'float', 'double', 'real', 'year']);

export function isNumericType(dataType: string): boolean {
  return NUMERIC.has(dataType.toLowerCase());
}

/** One key value (raw text-protocol bytes) as a literal of the column's own type and collation. */
export function keyLiteral(col: KeyColumnType, value: Buffer | null): string {
  if (value === null) return 'NULL';
  const dt = col.dataType.toLowerCase();
  if (isNumericType(dt)) {
    const s = value.toString('latin1');
    if (!/^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(s)) throw new SwitchyardError('SY_VALIDATION', `key value for ${col.name} is not a number`);
    return s;
  }
  if (dt === 'bit') {
    const s = value.toString('latin1');
    if (!/^[0-9]+$/.test(s)) throw new SwitchyardError('SY_VALIDATION', `key value for ${col.name} is not a number`);
    return s;
  }
  const hex = value.length === 0 ? "''" : `X'${value.toString('hex')}'`;
  if (col.charset === null || col.charset === 'binary' || col.collation === null) return `_binary ${hex}`;
  if (!/^[a-z0-9_]+$/i.test(col.charset) || !/^[a-z0-9_]+$/i.test(col.collation)) throw new SwitchyardError('SY_INTERNAL', `odd charset ${col.charset}`);
  return `_${col.charset} ${hex} COLLATE ${col.collation}`;
}

/**
 * `key >= lower` / `key < upper` for a composite key, expanded the way pt-table-checksum does
 * ((a > x) OR (a = x AND b >= y)) so every server can use the index range.
 */
export function keyCompare(cols: KeyColumnType[], values: Array<Buffer | null>, op: '>=' | '<' | '>'): string {
  if (values.length !== cols.length) throw new SwitchyardError('SY_VALIDATION', `key has ${values.length} parts, expected ${cols.length}`);
  const strict = op === '>=' ? '>' : op;
  const parts: string[] = [];
  for (let i = 0; i < cols.length; i++) {
    const eqs = cols.slice(0, i).map((c, j) => `${qi(c.name)} <=> ${keyLiteral(c, values[j]!)}`);
    const last = i === cols.length - 1;
    const cmp = `${qi(cols[i]!.name)} ${last ? op : strict} ${keyLiteral(cols[i]!, values[i]!)}`;
    parts.push('(' + [...eqs, cmp].join(' AND ') + ')');
  }
  return parts.length === 1 ? parts[0]! : '(' + parts.join(' OR ') + ')';
}

export interface RangeBounds {
  lower?: Array<Buffer | null> | undefined;
  upper?: Array<Buffer | null> | undefined;
}

export function rangeWhere(cols: KeyColumnType[], range: RangeBounds | undefined): string {
  const conds: string[] = [];
  if (range?.lower !== undefined) conds.push(keyCompare(cols, range.lower, '>='));
  if (range?.upper !== undefined) conds.push(keyCompare(cols, range.upper, '<'));
  return conds.length === 0 ? '1=1' : conds.join(' AND ');
}
