// The URL rewrite on the production database: every text column of every table (but the plan's
// skipColumns, `guid` by default), only rows whose value mentions an origin host (or holds a
// WPBakery Raw HTML/JS element, base64 inside), each value
// rewritten by rewrite-value.ts and written back by key. A dry run only counts. Afterwards the
// agent proves its own work: no origin left outside the values it listed as broken, and every
// value that parsed as serialized data before parses again with the same structure.
import type { Connection } from 'mysql2/promise';
import type { Logger } from '../../../shared/logger.js';
import { SwitchyardError } from '../../../shared/errors.js';
import type { RewriteReport } from '../../../shared/proto-gen/switchyard/v1/RewriteReport.js';
import { closeConn, connect, dbError, type DbTarget } from '../connect.js';
import { inspectSchema, keyColumnTypes, type Table } from '../inspect.js';
import { qi, qt, keyLiteral } from '../sql.js';
import { keyText } from '../convert.js';
import { forms, rewriteBytes, containsOrigin, hiddenOrigin, RAW_BLOCK_MARK, SCHEMES, type Form, type Schemes } from './rewrite-value.js';
import { parseExact, structure, looksSerialized } from './php-serialize.js';

export interface RewriteRule {
  from: string;
  to: string;
  skipColumns: string[];
  /** `all` or `exact` (see Schemes); empty, as a request that does not set it sends, means `all`. */
  schemes?: string;
}

const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'json']);

/** `guid` skips that column in every table, `wp_posts.guid` in one table only. */
function skipped(rule: RewriteRule, t: string, c: string): boolean {
  const list = rule.skipColumns.length > 0 ? rule.skipColumns : ['guid'];
  return list.some((s) => s === c || s === `${t}.${c}`);
}

/**
 * What the candidate rows are searched for: the host name alone (a port is URL-encoded in some
 * spellings, %3A8080), as written and as the URL parser spells it (punycode for an IDN host), and
 * an IDN host as written URL-encoded once and twice (b%C3%BCcher), the spellings the rewrite knows.
 * The rewrite itself decides what is an origin; this only has to find every row that may hold one
 * (with RAW_BLOCK_MARK, the rows whose origins are base64-encoded).
 */
function hostsOf(origin: string): string[] {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    throw new SwitchyardError('SY_VALIDATION', `rewrite: ${JSON.stringify(origin)} is not an origin URL`, { field: 'rules.from' });
  }
  const written = /^[a-z][a-z0-9+.-]*:\/\/([^/?#:]*)/i.exec(origin)?.[1];
  const spelled = written ? [written, encodeURIComponent(written), encodeURIComponent(encodeURIComponent(written))] : [];
  return [...new Set([u.hostname, ...spelled])];
}

/** A request from an older controller does not set it (proto3 sends ""): that is the default. */
function checkSchemes(rule: RewriteRule): Schemes {
  const s = rule.schemes === undefined || rule.schemes === '' ? 'all' : rule.schemes;
  if (!(SCHEMES as readonly string[]).includes(s)) throw new SwitchyardError('SY_VALIDATION', `rewrite: schemes ${JSON.stringify(s)} is not one of ${SCHEMES.join(', ')}`, { field: 'rules.schemes' });
  return s as Schemes;
}

/**
 * The rules a column is rewritten by (those that do not skip it), with their forms and the host
 * names its rows are searched for; one set per distinct list of rules.
 */
function rulesOfColumns(rules: RewriteRule[]): (t: string, c: string) => { fs: Form[]; hosts: string[] } | undefined {
  const schemes = rules.map(checkSchemes);
  const hosts = rules.map((r) => hostsOf(r.from));
  const sets = new Map<string, { fs: Form[]; hosts: string[] }>();
  return (t, c) => {
    const idx = rules.flatMap((r, i) => (skipped(r, t, c) ? [] : [i]));
    if (idx.length === 0) return undefined;
    const id = idx.join(',');
    let set = sets.get(id);
    if (set === undefined) {
      set = { fs: forms(idx.map((i) => ({ from: rules[i]!.from, to: rules[i]!.to, schemes: schemes[i] }))), hosts: [...new Set([...idx.flatMap((i) => hosts[i]!), RAW_BLOCK_MARK])] };
      sets.set(id, set);
    }
    return set;
  };
}

const HIDDEN_LEFT = "in a spelling the rewrite does not know (an HTML entity other than &#x2F; or &#47;, a \\u-escaped colon or letter, escapes mixed in one URL, encoded three times or more)";
const HIDDEN = `an origin ${HIDDEN_LEFT}: those occurrences left as they were, the rest rewritten`;

interface Candidate {
  key: Array<Buffer | null>;
  before: string;
  after: string;
}

async function candidates(conn: Connection, schema: string, t: Table, col: string, hosts: string[]): Promise<Array<{ key: Array<Buffer | null>; value: string }>> {
  const like = hosts.map(() => `${qi(col)} LIKE ?`).join(' OR ');
  const cols = [...t.keyColumns, col].map(qi).join(', ');
  const [r] = await conn.query({ sql: `SELECT ${cols} FROM ${qt(schema, t.name)} WHERE ${like}`, rowsAsArray: true, values: hosts.map((h) => `%${h.replace(/[\\%_]/g, (m) => `\\${m}`)}%`) });
  return (r as Array<Array<Buffer | null>>).map((row) => ({ key: row.slice(0, t.keyColumns.length), value: row[t.keyColumns.length]!.toString('latin1') }));
}

/** By key; a table without one is addressed by the old value itself (equal rows get equal new values). */
function keyWhere(t: Table, key: Array<Buffer | null>, col: string, before: string): string {
  if (t.keyColumns.length === 0) return `CAST(${qi(col)} AS BINARY) = _binary X'${Buffer.from(before, 'latin1').toString('hex')}'`;
  return keyColumnTypes(t)
    .map((c, i) => `${qi(c.name)} = ${keyLiteral(c, key[i]!)}`)
    .join(' AND ');
}

export async function rewriteDatabase(target: DbTarget, schema: string, rules: RewriteRule[], dryRun: boolean, logger: Logger): Promise<RewriteReport> {
  if (rules.length === 0) throw new SwitchyardError('SY_VALIDATION', 'rules: at least one rewrite rule', { field: 'rules' });
  // A column one rule skips is still rewritten by the others, with their forms only.
  const rulesOf = rulesOfColumns(rules);
  const conn = await connect(target, { raw: true });
  // Said back so a controller can tell this agent from one that ignores `schemes`.
  const report: RewriteReport = { dry_run: dryRun, columns: [], broken: [], values_changed: 0, origins_left: 0, structure_changed: 0, problems: [], schemes_applied: rules.map(checkSchemes) };
  try {
    const meta = await connect(target);
    const info = await inspectSchema(meta, schema, { objects: false }).finally(() => closeConn(meta));
    if (!info.exists) throw new SwitchyardError('SY_NOT_FOUND', `schema ${schema} does not exist`, { field: 'schema' });
    for (const t of info.tables) {
      for (const c of t.columns.filter((x) => TEXT_TYPES.has(x.dataType) && !x.generated)) {
        const set = rulesOf(t.name, c.name);
        if (set === undefined) continue;
        const { fs, hosts } = set;
        const done: Candidate[] = [];
        let serialized = 0;
        let occurrences = 0;
        for (const cand of await candidates(conn, schema, t, c.name, hosts)) {
          const r = rewriteBytes(cand.value, fs);
          if (r.broken) report.broken!.push({ table: t.name, column: c.name, key: keyText(cand.key), reason: 'begins like PHP-serialized data but does not parse; left as it was' });
          if (r.opaque) report.broken!.push({ table: t.name, column: c.name, key: keyText(cand.key), reason: "an origin inside a C: (Serializable) payload, whose format is its class's own; that payload left as it was, the rest rewritten" });
          if (r.escaped) report.broken!.push({ table: t.name, column: c.name, key: keyText(cand.key), reason: 'serialized data inside escaped text (JSON) holds an origin; its lengths cannot be fixed there, so the value is left as it was' });
          if (r.hidden) report.broken!.push({ table: t.name, column: c.name, key: keyText(cand.key), reason: HIDDEN });
          if (!r.changed) continue;
          if (r.serialized) serialized++;
          occurrences += r.occurrences;
          done.push({ key: cand.key, before: cand.value, after: r.value });
        }
        if (done.length === 0) continue;
        report.columns!.push({ table: t.name, column: c.name, values_changed: done.length, serialized_values: serialized, occurrences });
        report.values_changed = Number(report.values_changed) + done.length;
        if (dryRun) continue;
        await conn.query('START TRANSACTION');
        try {
          for (const d of done) await conn.query(`UPDATE ${qt(schema, t.name)} SET ${qi(c.name)} = ? WHERE ${keyWhere(t, d.key, c.name, d.before)}`, [Buffer.from(d.after, 'latin1')]);
          await conn.query('COMMIT');
        } catch (err) {
          await conn.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
        await selfCheck(conn, schema, t, c.name, done, report);
      }
    }
    if (!dryRun) {
      // Anything still carrying an origin that is not a listed broken value is a failure of the rewrite.
      const brokenKeys = new Set(report.broken!.map((b) => `${b.table}\0${b.column}\0${b.key}`));
      for (const t of info.tables) {
        for (const c of t.columns.filter((x) => TEXT_TYPES.has(x.dataType) && !x.generated)) {
          const set = rulesOf(t.name, c.name);
          if (set === undefined) continue;
          for (const cand of await candidates(conn, schema, t, c.name, set.hosts)) {
            if (brokenKeys.has(`${t.name}\0${c.name}\0${keyText(cand.key)}`)) continue;
            const left = containsOrigin(cand.value, set.fs) ? 'origin still present after rewrite' : hiddenOrigin(cand.value, set.fs) ? `origin still present after rewrite, ${HIDDEN_LEFT}` : undefined;
            if (left === undefined) continue;
            report.origins_left = Number(report.origins_left) + 1;
            report.problems!.push(`${t.name}.${c.name} key ${keyText(cand.key)}: ${left}`);
          }
        }
      }
    }
    logger.info({ component: 'db-rewrite', schema, dryRun, changed: report.values_changed, broken: report.broken!.length, originsLeft: report.origins_left }, 'rewrite done');
    return report;
  } catch (err) {
    throw dbError(err, `rewrite ${schema}`);
  } finally {
    await closeConn(conn);
  }
}

/** Re-reads what was written: it must be what we computed, and serialized data must keep its shape. */
async function selfCheck(conn: Connection, schema: string, t: Table, col: string, done: Candidate[], report: RewriteReport): Promise<void> {
  for (const d of done) {
    const [r] = await conn.query({ sql: `SELECT ${qi(col)} FROM ${qt(schema, t.name)} WHERE ${t.keyColumns.length === 0 ? `CAST(${qi(col)} AS BINARY) = _binary X'${Buffer.from(d.after, 'latin1').toString('hex')}'` : keyWhere(t, d.key, col, d.before)} LIMIT 1`, rowsAsArray: true });
    const now = ((r as Array<Array<Buffer | null>>)[0]?.[0] ?? Buffer.alloc(0)).toString('latin1');
    if (now !== d.after) report.problems!.push(`${t.name}.${col} key ${keyText(d.key)}: stored value differs from the rewritten one (truncated?)`);
    if (looksSerialized(d.before)) {
      const a = parseExact(d.before);
      const b = parseExact(now);
      if (a !== undefined && (b === undefined || structure(a) !== structure(b))) {
        report.structure_changed = Number(report.structure_changed) + 1;
        report.problems!.push(`${t.name}.${col} key ${keyText(d.key)}: serialized structure changed`);
      }
    }
  }
}
