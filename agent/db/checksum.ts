// Chunk checksums in the manner of pt-table-checksum: COUNT(*) plus the BIT_XOR of a per-row
// hash over all columns with NULL flags (the SUM, for a table without a key: see combine); the
// image carries each string's length besides the NULL flags, so a separator inside a value
// cannot make two rows look alike.
//
// The per-row hash must not be linear. pt-table-checksum's default, BIT_XOR of CRC32, is: CRC is
// affine over GF(2), so when two rows of equal image length in one chunk change the same way (two
// totals each +5, two orders each 'paid' -> 'sent'), CRC(a)^CRC(a') == CRC(b)^CRC(b') and the
// changes cancel in the XOR. The delta test hit exactly that. So the row hash is the integer
// product CRC32(h) * CRC32C(h) (64 bits, carries make it non-linear), where the server has CRC32C
// (MariaDB 10.8+). Elsewhere the first 64 bits of MD5(h) (about 2.5x a CRC32). The checksum names
// its algorithm; the production side asks staging for the one it used, or computes staging's.
//
// Building the row image is most of the cost (a bare scan is a fifth of it). Where the server has
// the two-argument CRC32/CRC32C (MariaDB 10.8+: continue a CRC from a given value), 'crcchain'
// feeds the values to both CRCs column by column instead of building an image (see chainExpr),
// so no row-sized string is concatenated: 500k 125-byte rows 290 vs 390 ms, 150k 2 KB rows 490 vs 760. Very wide tables
// feed columns in groups (one CONCAT each) so that the expression is not nested hundreds deep.
// Both agents name the algorithms their servers compute and the best common one is used.
//
// For 'crcmul', the image is built, and written as
// `CRC32(h) * CRC32C(h)` over a derived table the server inlines h and builds it twice. Kept in a
// user variable (`CRC32(@h := image) * CRC32C(@h)`) it is built once: the same value, about 30%
// less server CPU for every chunk sum (presync, sync under the freeze, verify). That relies on the
// server evaluating a product's left operand first, which MariaDB does but does not promise, so
// each connection proves it once on three known rows before using it, and falls back to the derived
// table where the probe disagrees.
import type { Connection } from 'mysql2/promise';
import { SwitchyardError } from '../../shared/errors.js';
import { qi, qt, rangeWhere, isNumericType, type RangeBounds } from './sql.js';
import { exactValue, keyColumnTypes, keySelect, type Table, type Column } from './inspect.js';

export type ChecksumAlgo = 'crcchain' | 'crcmul' | 'md5';
const ALGOS: readonly string[] = ['crcchain', 'crcmul', 'md5'];

const probed = new WeakMap<Connection, boolean>();
const chainProbed = new WeakMap<Connection, boolean>();
const singlePass = new WeakMap<Connection, boolean>();

async function hasCrc32c(conn: Connection): Promise<boolean> {
  const known = probed.get(conn);
  if (known !== undefined) return known;
  let ok = true;
  try {
    await conn.query("SELECT CRC32C('')");
  } catch {
    ok = false;
  }
  probed.set(conn, ok);
  return ok;
}

/** Whether CRC32 and CRC32C continue from a given value, as one CRC over the joined bytes. */
async function hasCrcChain(conn: Connection): Promise<boolean> {
  const known = chainProbed.get(conn);
  if (known !== undefined) return known;
  let ok = false;
  try {
    const [res] = await conn.query({
      sql: "SELECT CRC32C(CRC32C(0, 'sy-'), 'probe') = CRC32C('sy-probe') AND CRC32(CRC32(0, 'sy-'), 'probe') = CRC32('sy-probe') AND CRC32C(0, 'x') = CRC32C('x') AS ok",
      rowsAsArray: true,
    });
    ok = String((res as unknown[][])[0]![0]) === '1';
  } catch {
    ok = false;
  }
  chainProbed.set(conn, ok);
  return ok;
}

/** The algorithms this server computes, cheapest sound one first. */
export async function supportedAlgos(conn: Connection): Promise<ChecksumAlgo[]> {
  const out: ChecksumAlgo[] = [];
  if (await hasCrcChain(conn)) out.push('crcchain');
  if (await hasCrc32c(conn)) out.push('crcmul');
  out.push('md5');
  return out;
}

/**
 * The cheapest sound algorithm this server computes that the peer's does too (`peer`: its list,
 * best first; empty from an agent too old to send one, which knew crcmul and md5).
 */
export async function bestAlgo(conn: Connection, peer: readonly string[] = []): Promise<ChecksumAlgo> {
  const theirs = peer.length > 0 ? peer : ['crcmul', 'md5'];
  return (await supportedAlgos(conn)).find((a) => theirs.includes(a)) ?? 'md5';
}

/** Columns fed one by one up to this many; wider tables in groups (see above). */
const CHAIN_SINGLE_MAX = 48;

/**
 * One CRC fed column by column: '#' value '#' value ... For CRC32C the row's shape follows,
 * '#' then the NULL flags of the nullable columns and the byte lengths of the non-NULL string
 * columns, comma-separated: with it the bytes say which value is NULL and where each string ends
 * (numbers hold no '#'), so two different rows never feed the same bytes. CRC32 goes without it:
 * it is there for the product's non-linearity, and the shape, built as a string, costs as much
 * as both chains. A FLOAT goes as its DOUBLE text (exactValue): its own text drops digits, so
 * two different values fed the same bytes.
 */
function chainExpr(fn: 'CRC32' | 'CRC32C', t: Table): string {
  // _binary'': a NULL feeds nothing, and the value keeps its own bytes (a binary operand wins
  // the charset aggregation, so nothing is converted).
  const piece = (c: Column) => (c.nullable ? `IFNULL(${exactValue(c)}, _binary'')` : exactValue(c));
  const group = t.columns.length <= CHAIN_SINGLE_MAX ? 1 : Math.ceil(t.columns.length / 24);
  let e = '0';
  for (let i = 0; i < t.columns.length; i += group) {
    const g = t.columns.slice(i, i + group);
    if (g.length === 1) e = `${fn}(${fn}(${e}, '#'), ${piece(g[0]!)})`;
    else e = `${fn}(${e}, CONCAT(${g.map((c) => `_binary'#', CAST(${piece(c)} AS BINARY)`).join(', ')}))`;
  }
  const shape = [...t.columns.filter((c) => c.nullable).map((c) => `ISNULL(${qi(c.name)})`), ...t.columns.filter((c) => !isNumericType(c.dataType)).map((c) => `LENGTH(${qi(c.name)})`)];
  if (fn === 'CRC32' || shape.length === 0) return e;
  return `${fn}(${fn}(${e}, '#'), CONCAT_WS(',', ${shape.join(', ')}))`;
}

function image(t: Table): string {
  const val = (c: Column) => (isNumericType(c.dataType) ? exactValue(c) : `CAST(${qi(c.name)} AS BINARY)`);
  const flags = `CONCAT(${t.columns.map((c) => `ISNULL(${qi(c.name)})`).join(', ')})`;
  const lengths = t.columns.filter((c) => !isNumericType(c.dataType)).map((c) => `LENGTH(${qi(c.name)})`);
  return `CONCAT_WS('#', ${[...t.columns.map(val), flags, ...(lengths.length > 0 ? [`CONCAT_WS(',', ${lengths.join(', ')})`] : [])].join(', ')})`;
}

export function rowHashExpr(algo: ChecksumAlgo): string {
  // Both fit BIGINT UNSIGNED: a product of two 32-bit values, 16 hex digits.
  return algo === 'crcmul' ? '(CRC32(h) * CRC32C(h))' : 'CAST(CONV(LEFT(MD5(h), 16), 16, 10) AS UNSIGNED)';
}

/** crcmul with the image built once per row; equal in value to rowHashExpr('crcmul') over h. */
export function singlePassHashExpr(img: string): string {
  return `(CRC32(@sy_h := ${img}) * CRC32C(@sy_h))`;
}

/**
 * How a chunk's row hashes are combined. A key makes every row distinct, and BIT_XOR is cheap.
 * Without one, a table may hold the same row twice, and in a XOR two equal hashes cancel: (a, a)
 * and (b, b) both sum to 0, so duplicates changed alike on staging went unseen. SUM (exact: the
 * server adds integers as DECIMAL) counts every copy.
 */
const combine = (t: Table): string => (t.keyColumns.length > 0 ? 'BIT_XOR' : 'SUM');

/** `singlePass`: crcmul with the image built once (only where the connection's probe passed). */
export function checksumSql(schema: string, t: Table, range: RangeBounds | undefined, algo: ChecksumAlgo, singlePass = false): string {
  const where = t.keyColumns.length > 0 ? rangeWhere(keyColumnTypes(t), range) : '1=1';
  const agg = combine(t);
  if (algo === 'crcchain') return `SELECT COUNT(*) AS cnt, ${agg}(${chainExpr('CRC32', t)} * ${chainExpr('CRC32C', t)}) AS crc FROM ${qt(schema, t.name)} WHERE ${where}`;
  if (algo === 'crcmul' && singlePass) return `SELECT COUNT(*) AS cnt, ${agg}(${singlePassHashExpr(image(t))}) AS crc FROM ${qt(schema, t.name)} WHERE ${where}`;
  return `SELECT COUNT(*) AS cnt, ${agg}(${rowHashExpr(algo)}) AS crc FROM (SELECT ${image(t)} AS h FROM ${qt(schema, t.name)} WHERE ${where}) sy_rows`;
}

/**
 * Whether this connection's server evaluates the single-pass form as the derived-table form: three
 * rows whose images differ, so a right operand read before the assignment (the previous row's
 * image, or a stale one) would change the XOR.
 */
export async function singlePassWorks(conn: Connection): Promise<boolean> {
  const known = singlePass.get(conn);
  if (known !== undefined) return known;
  const rows = "SELECT 'sy-probe-a' AS v UNION ALL SELECT 'sy-probe-bb' UNION ALL SELECT 'sy-probe-ccc'";
  let ok = false;
  try {
    await conn.query("SET @sy_h = 'stale'");
    const [res] = await conn.query({
      sql: `SELECT (SELECT BIT_XOR(${singlePassHashExpr('CAST(v AS BINARY)')}) FROM (${rows}) p1) AS one, (SELECT BIT_XOR(${rowHashExpr('crcmul')}) FROM (SELECT CAST(v AS BINARY) AS h FROM (${rows}) p0) p2) AS two`,
      rowsAsArray: true,
    });
    const [one, two] = (res as unknown[][])[0]!;
    ok = one !== null && String(one) === String(two);
  } catch {
    ok = false;
  }
  singlePass.set(conn, ok);
  return ok;
}

export interface ChunkSum {
  rows: number;
  checksum: string;
}

/** `algo` as the other side named it, checked against what this server computes; or our best. */
export async function usableAlgo(conn: Connection, algo?: string): Promise<ChecksumAlgo> {
  const a = (algo === undefined || algo === '' ? await bestAlgo(conn) : algo) as ChecksumAlgo;
  if (!ALGOS.includes(a)) throw new SwitchyardError('SY_VALIDATION', `unknown checksum algorithm ${a}`);
  if (a === 'crcmul' && !(await hasCrc32c(conn))) throw new SwitchyardError('SY_PRECONDITION', 'the other side checksums with CRC32C, which this server lacks');
  if (a === 'crcchain' && !(await hasCrcChain(conn))) throw new SwitchyardError('SY_PRECONDITION', 'the other side checksums with two-argument CRC32/CRC32C (MariaDB 10.8+), which this server lacks');
  return a;
}

/**
 * One row's hash as the chunk checksums compute it (BIGINT UNSIGNED), for comparing tables
 * without a key as multisets of rows. The image is built twice for crcmul: no user variable, so
 * it stays sound inside GROUP BY.
 */
export function rowHashSql(t: Table, algo: ChecksumAlgo): string {
  if (algo === 'crcchain') return `(${chainExpr('CRC32', t)} * ${chainExpr('CRC32C', t)})`;
  const img = image(t);
  return algo === 'crcmul' ? `(CRC32(${img}) * CRC32C(${img}))` : `CAST(CONV(LEFT(MD5(${img}), 16), 16, 10) AS UNSIGNED)`;
}

/** `algo` as the other side named it (from its checksum's prefix), or our best. */
export async function checksumChunk(conn: Connection, schema: string, t: Table, range: RangeBounds | undefined, algo?: string): Promise<ChunkSum> {
  const a = await usableAlgo(conn, algo);
  // Row arrays work on both our raw (snapshot) and plain connections.
  const once = a === 'crcmul' && (await singlePassWorks(conn));
  const [res] = await conn.query({ sql: checksumSql(schema, t, range, a, once), rowsAsArray: true });
  const [cntV, crcV] = (res as unknown[][])[0]!;
  const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString() : String(v));
  const cnt = Number(text(cntV));
  const crc = text(crcV);
  return { rows: cnt, checksum: `${a}:${cnt === 0 ? '0' : crc}` };
}

/** The key of the row `offset` rows at or after `lower`: the next chunk's upper bound, or none. */
export async function nextBoundary(conn: Connection, schema: string, t: Table, lower: Array<Buffer | null> | undefined, offset: number): Promise<Array<Buffer | null> | undefined> {
  const where = rangeWhere(keyColumnTypes(t), { lower });
  const sql = `SELECT ${keySelect(t)} FROM ${qt(schema, t.name)} WHERE ${where} ORDER BY ${t.keyColumns.map(qi).join(', ')} LIMIT 1 OFFSET ${Math.floor(offset)}`;
  const [r] = await conn.query({ sql, rowsAsArray: true, typeCast: (f: { buffer(): Buffer | null }) => f.buffer() } as never);
  const list = r as Array<Array<Buffer | null>>;
  return list.length === 0 ? undefined : list[0];
}

export interface ChunkPlan {
  index: number;
  range: RangeBounds;
  rows: number;
  checksum: string;
  last: boolean;
}

/**
 * Walks a table on the side that picks the boundaries (staging), checksumming as it goes; the
 * chunk size follows a time target like pt-table-checksum's --chunk-time.
 */
export async function* planChunks(conn: Connection, schema: string, t: Table, targetMs: number, algo?: string): AsyncGenerator<ChunkPlan> {
  if (t.keyColumns.length === 0) {
    const sum = await checksumChunk(conn, schema, t, undefined, algo);
    yield { index: 0, range: {}, ...sum, last: true };
    return;
  }
  let size = 2000;
  let lower: Array<Buffer | null> | undefined;
  for (let index = 0; ; index++) {
    const started = Date.now();
    const upper = await nextBoundary(conn, schema, t, lower, size);
    const range: RangeBounds = { lower, upper };
    const sum = await checksumChunk(conn, schema, t, range, algo);
    yield { index, range, ...sum, last: upper === undefined };
    if (upper === undefined) return;
    const took = Math.max(1, Date.now() - started);
    size = Math.min(500_000, Math.max(200, Math.round(size * Math.min(4, Math.max(0.25, targetMs / took)))));
    lower = upper;
  }
}
