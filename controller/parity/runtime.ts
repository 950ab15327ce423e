// Runtime parity: two agents' facts flattened to comparable keys and classified. Pure, so the
// rules can be read and tested without any agent running.
import { basename, dirname } from 'node:path';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { ParityRow, ParityStatus, ParityTable } from '../../shared/parity.js';

export interface RuntimeCompareOptions {
  stagingName: string;
  productionName: string;
  /** Exact row keys; `ENV:NAME` means that variable in any env file. */
  allowDiffer?: string[];
}

/** Digests are shown this short: enough to tell values apart by eye, useless to guess from. */
export const DIGEST_SHOWN_CHARS = 12;

interface Value {
  category: string;
  /** What the table shows. */
  shown: string;
  /** What is compared, when it is not what is shown (full digest behind a short one). */
  compared?: string;
  /** Host-specific by nature (hostname, fingerprints, free space): never a 'differs'. */
  informational?: boolean;
}

type Flat = Map<string, Value>;

const CATEGORY_ORDER = ['os', 'database', 'php', 'web server', 'env', 'tls', 'disk'];

function put(flat: Flat, key: string, category: string, shown: string, extra: Partial<Value> = {}): void {
  flat.set(key, { category, shown, ...extra });
}

/** `env` keys by file basename, so /srv/staging/.env and /srv/www/.env line up; parent dir only when a side has two of one name. */
function envFileLabels(files: string[]): Map<string, string> {
  const counts = new Map<string, number>();
  for (const f of new Set(files)) counts.set(basename(f), (counts.get(basename(f)) ?? 0) + 1);
  return new Map([...new Set(files)].map((f) => [f, (counts.get(basename(f)) ?? 0) > 1 ? `${basename(dirname(f))}/${basename(f)}` : basename(f)]));
}

function humanBytes(n: bigint): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = Number(n);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

export function flattenFacts(f: Facts__Output): Flat {
  const flat: Flat = new Map();
  if (f.os) {
    for (const k of ['platform', 'distro', 'kernel', 'arch', 'agent_version', 'node_version'] as const) put(flat, `os.${k}`, 'os', f.os[k]);
    put(flat, 'os.hostname', 'os', f.os.hostname, { informational: true });
  }
  const db = f.database;
  if (db?.configured) {
    put(flat, 'mysql.reachable', 'database', db.reachable ? 'yes' : `no: ${db.error}`, { compared: db.reachable ? 'yes' : 'no' });
    if (db.reachable) {
      put(flat, 'mysql.flavor', 'database', db.flavor);
      put(flat, 'mysql.version', 'database', db.version);
      for (const [name, value] of Object.entries(db.variables ?? {})) put(flat, `mysql.${name}`, 'database', value);
    }
  }
  if (f.php?.present) {
    put(flat, 'php.version', 'php', f.php.version || `unknown: ${f.php.error}`, { compared: f.php.version || 'unknown' });
    for (const m of f.php.modules) put(flat, `php.module.${m}`, 'php', 'present');
  }
  for (const ws of f.web_servers) {
    put(flat, `${ws.kind}.version`, 'web server', ws.version || `unknown: ${ws.error}`, { compared: ws.version || 'unknown' });
    for (const m of ws.modules) put(flat, `${ws.kind}.module.${m}`, 'web server', 'present');
  }
  const labels = envFileLabels(f.env.map((e) => e.file));
  for (const e of f.env) {
    put(flat, `env.${labels.get(e.file)}:${e.name}`, 'env', e.digest.slice(0, DIGEST_SHOWN_CHARS), { compared: e.digest });
  }
  for (const t of f.tls) {
    const p = t.port === 443 ? `tls.${t.host}` : `tls.${t.host}:${t.port}`;
    if (t.error) {
      put(flat, `${p}.error`, 'tls', t.error);
      continue;
    }
    put(flat, `${p}.subject`, 'tls', t.subject);
    put(flat, `${p}.issuer`, 'tls', t.issuer);
    put(flat, `${p}.sans`, 'tls', [...t.sans].sort().join(', '));
    put(flat, `${p}.key_type`, 'tls', `${t.key_type} ${t.key_bits}`);
    // A re-issued certificate is still the same certificate for parity; these are for the eye.
    put(flat, `${p}.fingerprint`, 'tls', t.fingerprint_sha256, { informational: true });
    put(flat, `${p}.valid_to`, 'tls', t.valid_to, { informational: true });
  }
  for (const d of f.disks) {
    // Free space is a preflight check of its own, not a parity property.
    if (d.error) put(flat, `disk.${d.root}.error`, 'disk', d.error, { informational: true });
    else put(flat, `disk.${d.root}.free_bytes`, 'disk', humanBytes(BigInt(d.free_bytes)), { informational: true });
  }
  return flat;
}

/** A module absent from one side's list is 'absent' there when that side has the software at all. */
function fillAbsentModules(a: Flat, b: Flat): void {
  for (const [from, to] of [[a, b], [b, a]] as const) {
    for (const [key, v] of from) {
      const m = /^(.+)\.module\./.exec(key);
      if (m && !to.has(key) && to.has(`${m[1]}.version`)) to.set(key, { category: v.category, shown: 'absent' });
    }
  }
}

function allowMatcher(allow: string[]): (key: string) => boolean {
  const exact = new Set(allow);
  const envNames = new Set(allow.filter((a) => a.startsWith('ENV:')).map((a) => a.slice(4)));
  return (key) => {
    if (exact.has(key)) return true;
    const env = /^env\..*:([^:]+)$/.exec(key);
    return env !== null && envNames.has(env[1]!);
  };
}

function classify(s: Value | undefined, p: Value | undefined, allowed: boolean): ParityStatus {
  if (s === undefined || p === undefined) return 'missing';
  if ((s.compared ?? s.shown) === (p.compared ?? p.shown)) return 'equal';
  return allowed || s.informational || p.informational ? 'allowed' : 'differs';
}

export function compareRuntimeFacts(staging: Facts__Output, production: Facts__Output, opts: RuntimeCompareOptions): ParityTable {
  const s = flattenFacts(staging);
  const p = flattenFacts(production);
  fillAbsentModules(s, p);
  const isAllowed = allowMatcher(opts.allowDiffer ?? []);
  const rows: ParityRow[] = [];
  for (const key of new Set([...s.keys(), ...p.keys()])) {
    const sv = s.get(key);
    const pv = p.get(key);
    rows.push({
      key,
      category: (sv ?? pv)!.category,
      staging: sv?.shown ?? null,
      production: pv?.shown ?? null,
      status: classify(sv, pv, isAllowed(key)),
    });
  }
  const rank = (c: string) => {
    const i = CATEGORY_ORDER.indexOf(c);
    return i < 0 ? CATEGORY_ORDER.length : i;
  };
  rows.sort((a, b) => rank(a.category) - rank(b.category) || a.key.localeCompare(b.key));
  const summary: Record<ParityStatus, number> = { equal: 0, differs: 0, missing: 0, allowed: 0 };
  for (const r of rows) summary[r.status]++;
  return { staging: opts.stagingName, production: opts.productionName, rows, summary };
}
