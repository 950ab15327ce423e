// Runtime parity: two agents' facts flattened to comparable keys and classified. Pure, so the
// rules can be read and tested without any agent running.
import { basename } from 'node:path';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import { parseEnvUnreadableNote } from '../../shared/env-note.js';
import type { ParityRow, ParityStatus, ParityTable } from '../../shared/parity.js';
import { phpFlag } from '../../shared/php-flag.js';
import { debianFpmRelease, sameRelease } from '../../shared/php-release.js';
import { timespanMicros } from '../../shared/systemd-timespan.js';
import { vhostRows, type VhostHosts } from './vhost.js';

export interface RuntimeCompareOptions {
  stagingName: string;
  productionName: string;
  /** Row keys allowed to differ or be on one side only; `ENV:NAME` means that variable in any env file. */
  allowDiffer?: string[];
  /**
   * The origin host of each side (the plan's origins): the nginx server block serving it is
   * compared as `web.vhost.*` rows. Without them no server block is compared.
   */
  hosts?: VhostHosts;
}

/** Digests are shown this short: enough to tell values apart by eye, useless to guess from. */
export const DIGEST_SHOWN_CHARS = 12;

interface Value {
  category: string;
  /** What the table shows. */
  shown: string;
  /** What is compared, when it is not what is shown (full digest behind a short one). */
  compared?: string;
  /** Host-specific by nature (hostname, kernel, fingerprints, free space): never a 'differs' or 'missing'. */
  informational?: boolean;
  /** Could not be read on this side (the tool failed or timed out): never equal, never allowed. */
  unknown?: boolean;
  /** A limit the site needs at least as much of on production: more there is no failure. */
  capacity?: bigint | 'unlimited';
}

type Flat = Map<string, Value>;

/** What a side could not read: rows under `prefix` the other side has are unknown here, not absent. */
interface Unreadable {
  prefix: string;
  /** Further prefixes the same gap covers (one user's crontab: its jobs and its env rows). */
  alsoPrefixes?: string[];
  /** `prefix` and `alsoPrefixes` are whole keys (one script, one timer's rows), not the start of others (`backup` is no gap in `backup2`). */
  exact?: boolean;
  /** Keys the gap covers, where no prefix says it (every pool's env rows); replaces `prefix` in the match. */
  covers?: (key: string) => boolean;
  what: string;
  error: string;
  /** Worth telling only when the other side has rows under the prefix (an older agent). */
  quiet?: boolean;
  /** Set once a row of the other side was marked unknown through it. */
  used?: boolean;
}

interface Flattened {
  flat: Flat;
  unreadable: Unreadable[];
}

const CATEGORY_ORDER = ['os', 'locale', 'database', 'php', 'web server', 'env', 'cron', 'timer', 'tls', 'disk'];

/**
 * The upstream release in a version string, without the distribution's packaging revision:
 * `10.11.6-MariaDB-0+deb12u1` → `10.11.6-MariaDB`, PHP `8.1.2-1ubuntu2.14` → `8.1.2`. A security
 * update the distribution ships as a new package revision of the same release is not a difference;
 * another release (10.11.6 → 10.11.7) still is (`KEY~patch` allows that one).
 */
export function upstreamVersion(v: string): string {
  const m = /^(\d+(?:\.\d+)+)(-(?:MariaDB|MySQL))?(?=$|[-+~ (])/i.exec(v.trim());
  return m === null ? v : `${m[1]}${m[2] ?? ''}`;
}

const versionValue = (v: string): Partial<Value> => (upstreamVersion(v) === v ? {} : { compared: upstreamVersion(v) });

function put(flat: Flat, key: string, category: string, shown: string, extra: Partial<Value> = {}): void {
  flat.set(key, { category, shown, ...extra });
}

/** An env file of one side: its path and its configured name (empty: none). */
interface EnvFileRef {
  file: string;
  label: string;
}

/** The last `n` components of a path: `pathSuffix('/srv/a/.env', 2)` is `a/.env`. */
function pathSuffix(file: string, n: number): string {
  return file.split('/').filter((c) => c !== '').slice(-n).join('/');
}

/**
 * Row labels of each side's env files, so a file lines up with its counterpart whatever else either
 * side has: a configured name as it is; otherwise the file's trailing path components, as few as
 * tell apart the files of that basename on every side — counted over both sides at once, so
 * /srv/a/.env is `a/.env` on the side that also has /srv/b/.env and on the side that has it alone.
 */
function envFileLabels(sides: EnvFileRef[][]): Array<Map<string, string>> {
  const depth = new Map<string, number>();
  for (const refs of sides) {
    const byBase = new Map<string, string[]>();
    for (const file of new Set(refs.filter((r) => r.label === '').map((r) => r.file))) byBase.set(basename(file), [...(byBase.get(basename(file)) ?? []), file]);
    for (const [base, files] of byBase) {
      const longest = Math.max(...files.map((f) => f.split('/').filter((c) => c !== '').length));
      let n = depth.get(base) ?? 1;
      while (n < longest && new Set(files.map((f) => pathSuffix(f, n))).size < files.length) n++;
      depth.set(base, n);
    }
  }
  return sides.map((refs) => new Map(refs.map((r) => [r.file, r.label !== '' ? r.label : pathSuffix(r.file, depth.get(basename(r.file)) ?? 1)])));
}

/** An env file a side could not read, and why. */
export interface EnvFileUnread {
  file: string;
  /** The errno code: EACCES, ENOENT, EISDIR, … */
  code: string;
  /** Its configured name; empty when none. */
  label: string;
  /** Who the agent read as; empty from agents that do not say. */
  user: string;
}

/** From the facts' own field; from the note for agents older than it (they send only the note). */
export function envFilesUnread(f: Facts__Output): EnvFileUnread[] {
  const field = f.env_unreadable ?? [];
  if (field.length > 0) return field.map((u) => ({ file: u.file, code: u.code, label: u.label, user: u.user }));
  return f.notes.flatMap((n) => {
    const parsed = parseEnvUnreadableNote(n);
    return parsed === undefined ? [] : [{ ...parsed, label: '', user: '' }];
  });
}

function envFileRefs(f: Facts__Output): EnvFileRef[] {
  return [...f.env.map((e) => ({ file: e.file, label: e.label ?? '' })), ...envFilesUnread(f).map((u) => ({ file: u.file, label: u.label }))];
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
  return flattenWithGaps(f, envFileLabels([envFileRefs(f)])[0]!, defaultLocales([f]), cronJobKeys([f.cron?.entries ?? []])[0]!).flat;
}

/**
 * `envLabels`: the row label of each env file path, lined up with the other side's; `locales`: the
 * locales whose availability is compared (staging's default); `cronKeys`: the row key of each cron
 * entry, lined up with the other side's.
 */
function flattenWithGaps(f: Facts__Output, envLabels: Map<string, string>, locales: string[], cronKeys: string[]): Flattened {
  const flat: Flat = new Map();
  const unreadable: Unreadable[] = [];
  if (f.os) {
    // Another OS or CPU architecture is a move the plan should own up to (compiled extensions,
    // paths, integer sizes); the rest of this section differs between any two hosts, and what of
    // it reaches the site is judged in its own rows (PHP, its modules and settings, the database).
    for (const k of ['platform', 'arch'] as const) put(flat, `os.${k}`, 'os', f.os[k]);
    for (const k of ['distro', 'kernel', 'hostname', 'agent_version', 'node_version'] as const) put(flat, `os.${k}`, 'os', f.os[k], { informational: true });
  } else {
    // The agent's os collector failed (its note says why): the rows are unread there, not absent.
    const note = f.notes.find((n) => n.startsWith('os: '));
    unreadable.push({ prefix: 'os.', what: 'os facts', error: note?.slice(4) ?? 'not reported by this agent' });
  }
  const db = f.database;
  if (db?.configured) {
    if (db.reachable) {
      put(flat, 'mysql.reachable', 'database', 'yes');
      put(flat, 'mysql.flavor', 'database', db.flavor);
      put(flat, 'mysql.version', 'database', db.version, versionValue(db.version));
      for (const [name, value] of Object.entries(mysqlVariables(db.variables ?? {}))) put(flat, `mysql.${name}`, 'database', value, withCapacity({}, value, Object.hasOwn(MYSQL_CAPACITY, name) ? MYSQL_CAPACITY[name] : undefined));
    } else {
      put(flat, 'mysql.reachable', 'database', `no: ${db.error}`, { unknown: true });
      unreadable.push({ prefix: 'mysql.', what: 'database', error: db.error });
    }
  }
  if (f.php?.present) {
    if (f.php.error) {
      // php -r and php -m run together; either failing leaves the whole answer in doubt.
      put(flat, 'php.version', 'php', f.php.version || `unknown: ${f.php.error}`, { unknown: true });
      unreadable.push({ prefix: 'php.', what: `php (${f.php.binary})`, error: f.php.error });
    } else {
      put(flat, 'php.version', 'php', f.php.version, versionValue(f.php.version));
      for (const m of f.php.modules) put(flat, `php.module.${m}`, 'php', 'present');
      flattenPhpIni(f, flat, unreadable);
    }
  }
  for (const ws of f.web_servers) {
    if (!ws.version) {
      const error = ws.error || 'no version in its output';
      put(flat, `${ws.kind}.version`, 'web server', `unknown: ${error}`, { unknown: true });
      unreadable.push({ prefix: `${ws.kind}.`, what: `${ws.kind} (${ws.binary})`, error });
      continue;
    }
    put(flat, `${ws.kind}.version`, 'web server', ws.version, versionValue(ws.version));
    if (ws.error) {
      // Version known, modules not (apache2ctl -M parses the whole config and may need root).
      put(flat, `${ws.kind}.modules`, 'web server', `unknown: ${ws.error}`, { unknown: true });
      unreadable.push({ prefix: `${ws.kind}.module`, what: `${ws.kind} modules (${ws.binary})`, error: ws.error });
      continue;
    }
    for (const m of ws.modules) put(flat, `${ws.kind}.module.${m}`, 'web server', 'present');
  }
  // An env file this side could not read: the other side's variables in it are unknown here, not
  // missing. It takes part in labelling, so it lines up as a read file of that path would.
  const envFailed = f.notes.find((n) => n.startsWith('env: failed: '));
  if (envFailed !== undefined) unreadable.push({ prefix: 'env.', what: 'env files', error: envFailed.slice('env: '.length) });
  for (const u of envFilesUnread(f)) unreadable.push({ prefix: `env.${envLabels.get(u.file)}:`, what: `env file ${u.file}`, error: `cannot read: ${u.code}` });
  for (const e of f.env) {
    put(flat, `env.${envLabels.get(e.file)}:${e.name}`, 'env', e.digest.slice(0, DIGEST_SHOWN_CHARS), { compared: e.digest });
  }
  flattenFpm(f, flat, unreadable);
  flattenCron(f, cronKeys, flat, unreadable);
  flattenRunParts(f, flat, unreadable);
  flattenTimers(f, flat, unreadable);
  flattenLocale(f, locales, flat, unreadable);
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
  return { flat, unreadable };
}

/**
 * A locale name as glibc matches it: the codeset lower-cased without punctuation, so LANG's
 * `de_DE.UTF-8` is `locale -a`'s `de_DE.utf8`.
 */
export function normalizeLocale(name: string): string {
  const m = /^([^.@]*)(?:\.([^@]*))?(@.*)?$/.exec(name.trim());
  if (m === null) return name.trim();
  return `${m[1]}${m[2] === undefined ? '' : `.${m[2].toLowerCase().replace(/[^a-z0-9]/g, '')}`}${m[3] ?? ''}`;
}

/** Built into glibc (C.UTF-8 since 2.35, shipped with libc-bin before): on every host, whatever `locale -a` says. */
const BUILT_IN_LOCALE = /^(?:C|POSIX|C\.utf8)$/;

/** The default locales (LC_ALL, LANG) of these hosts, normalized: what a site most likely runs with. */
function defaultLocales(sides: Facts__Output[]): string[] {
  const names = sides.flatMap((f) => [f.locale?.lc_all ?? '', f.locale?.lang ?? '']).filter((n) => n !== '').map(normalizeLocale);
  return [...new Set(names.filter((n) => !BUILT_IN_LOCALE.test(n)))].sort();
}

/**
 * The default locale itself is only informational (services may set their own, and C.UTF-8 meets
 * en_US.UTF-8 between any two hosts); production lacking the locale staging runs with is not.
 */
function flattenLocale(f: Facts__Output, locales: string[], flat: Flat, unreadable: Unreadable[]): void {
  const l = f.locale;
  if (l === null || l === undefined) {
    unreadable.push({ prefix: 'locale.available.', what: 'locales', error: `not reported by this agent${f.os?.agent_version ? ` ${f.os.agent_version}` : ''} — upgrade it`, quiet: true });
    return;
  }
  if (l.lang !== '') put(flat, 'locale.LANG', 'locale', l.lang, { informational: true });
  if (l.lc_all !== '') put(flat, 'locale.LC_ALL', 'locale', l.lc_all, { informational: true });
  if (l.error !== '') {
    for (const name of locales) put(flat, `locale.available.${name}`, 'locale', `unknown: ${l.error}`, { unknown: true });
    if (locales.length > 0) unreadable.push({ prefix: 'locale.available.', what: 'locales (locale -a)', error: l.error });
    return;
  }
  const available = new Set(l.available.map(normalizeLocale));
  // As a capacity: production having a locale staging lacks is no risk to the site.
  for (const name of locales) put(flat, `locale.available.${name}`, 'locale', available.has(name) ? 'yes' : 'no', { capacity: available.has(name) ? 1n : 0n });
}

/** php.ini settings written as sizes (256M, 268435456, 256m) are the same setting. */
const SIZE_SETTINGS = new Set(['memory_limit', 'upload_max_filesize', 'post_max_size', 'realpath_cache_size']);

/**
 * Limits where production having more than staging is no risk to the site (a bigger server is the
 * usual reason for a move) — only less is. The value that means "no limit" for each.
 */
const PHP_CAPACITY: Record<string, string | null> = {
  memory_limit: '-1',
  upload_max_filesize: null,
  post_max_size: '0',
  max_file_uploads: null,
  max_execution_time: '0',
  max_input_vars: null,
  'pcre.backtrack_limit': null,
  realpath_cache_size: null,
};
/**
 * Server variables renamed between versions, old name → current one: one setting, so one row, or a
 * 5.7 → 8.0 move shows the same isolation level as two one-sided rows. Only true renames belong
 * here — `ft_min_word_len` (MyISAM) and `innodb_ft_min_token_size` (InnoDB) are two settings.
 */
export const MYSQL_RENAMED: Record<string, string> = { tx_isolation: 'transaction_isolation' };

/** Variables under their current names; where a server reports both (5.7.20+, MariaDB 11.1+), the current one. */
function mysqlVariables(vars: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) {
    const current = Object.hasOwn(MYSQL_RENAMED, name) ? MYSQL_RENAMED[name]! : name;
    if (current !== name && Object.hasOwn(vars, current)) continue;
    out[current] = value;
  }
  return out;
}

const MYSQL_CAPACITY: Record<string, string | null> = { max_allowed_packet: null, max_connections: null, wait_timeout: null, group_concat_max_len: null };

/** The limit as a number (or unlimited) for the "at least" comparison; undefined when it is not a plain number. */
function capacityOf(compared: string, unlimited: string | null): Value['capacity'] {
  if (unlimited !== null && compared === unlimited) return 'unlimited';
  return /^\d+$/.test(compared) ? BigInt(compared) : undefined;
}

function withCapacity(v: Partial<Value>, shown: string, unlimited: string | null | undefined): Partial<Value> {
  if (unlimited === undefined) return v;
  const capacity = capacityOf(v.compared ?? shown.trim(), unlimited);
  return capacity === undefined ? v : { ...v, capacity };
}

/** PHP's shorthand bytes (K, M, G, case-insensitive) as a plain number; anything else as written. */
export function phpSize(value: string): string {
  const m = /^\s*(-?\d+)\s*([kmg]?)\s*$/i.exec(value);
  if (!m) return value.trim();
  const exp = { '': 0, k: 1, m: 2, g: 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return (BigInt(m[1]!) * 1024n ** BigInt(exp)).toString();
}

function flattenPhpIni(f: Facts__Output, flat: Flat, unreadable: Unreadable[]): void {
  const php = f.php!;
  if (php.ini_error) {
    put(flat, 'php.ini', 'php', `unknown: ${php.ini_error}`, { unknown: true });
    unreadable.push({ prefix: 'php.ini.', what: `php settings (${php.binary})`, error: php.ini_error });
    return;
  }
  const ini = Object.entries(php.ini ?? {});
  if (ini.length === 0) {
    const agent = f.os?.agent_version ? ` ${f.os.agent_version}` : '';
    unreadable.push({ prefix: 'php.ini.', what: 'php settings', error: `not reported by this agent${agent} — upgrade it`, quiet: true });
    return;
  }
  for (const [name, value] of ini) {
    put(flat, `php.ini.${name}`, 'php', value, withCapacity(SIZE_SETTINGS.has(name) ? { compared: phpSize(value) } : {}, value, Object.hasOwn(PHP_CAPACITY, name) ? PHP_CAPACITY[name] : undefined));
  }
}

/** An env[NAME] row's key: the brackets as in the pool file, so it never meets a php.ini setting's. */
const FPM_ENV_KEY = /^php\.fpm\.[^:]*:env\[/;

/**
 * php.ini settings that are booleans (display_errors also takes stderr/stdout, kept as written):
 * a pool's `php_admin_value[display_errors] = Off` is the `""` php.ini's `display_errors = Off`
 * gives, and `on`, `1` and `On` are one value, however each side spells it.
 */
const PHP_BOOLEAN_SETTINGS = new Set(['allow_url_fopen', 'file_uploads', 'short_open_tag', 'display_errors', 'session.cookie_secure', 'opcache.enable', 'opcache.validate_timestamps', 'pcre.jit']);

/** A php.ini setting's value as its php.ini row compares it: sizes by bytes, limits as capacities, booleans as on/off. */
function phpIniValue(name: string, value: string): Partial<Value> {
  const compared = SIZE_SETTINGS.has(name) ? { compared: phpSize(value) } : PHP_BOOLEAN_SETTINGS.has(name) ? { compared: phpFlag(value) } : {};
  return withCapacity(compared, value, Object.hasOwn(PHP_CAPACITY, name) ? PHP_CAPACITY[name] : undefined);
}

/**
 * PHP-FPM pool overrides as `php.fpm.POOL:SETTING` (the colon, as in env rows, since pool names
 * hold dots: `[example.com]`), compared as the php.ini rows are: sizes by bytes, limits as
 * capacities, flags as on/off; a setting that may hold a secret by its digest. A pool's env[NAME]
 * lines as `php.fpm.POOL:env[NAME]`, always by digest.
 */
function flattenFpm(f: Facts__Output, flat: Flat, unreadable: Unreadable[]): void {
  const fpm = f.php_fpm;
  const agent = f.os?.agent_version ? ` ${f.os.agent_version}` : '';
  if (fpm === null || fpm === undefined) {
    unreadable.push({ prefix: 'php.fpm.', what: 'php-fpm pools', error: `not reported by this agent${agent} — upgrade it`, quiet: true });
    return;
  }
  if (!fpm.env_read) {
    unreadable.push({ prefix: 'php.fpm.', covers: (key) => FPM_ENV_KEY.test(key), what: 'php-fpm pool env[…] values', error: `not reported by this agent${agent} — upgrade it`, quiet: true });
  }
  for (const u of fpm.unreadable) {
    if (u.pool === '') unreadable.push({ prefix: 'php.fpm.', what: `php-fpm pools${u.file === '' ? '' : ` (${u.file})`}`, error: u.error });
    else if (u.name === '') unreadable.push({ prefix: `php.fpm.${u.pool}:`, what: `php-fpm pool ${u.pool}`, error: u.error });
    else unreadable.push({ prefix: `php.fpm.${u.pool}:${u.name}`, what: `php-fpm pool ${u.pool} setting ${u.name}${u.file === '' ? '' : ` (${u.file})`}`, error: u.error });
  }
  // Two installs side by side: which one's pools and php.ini these rows are, or why none could be told.
  // Informational: the install paths differ with any PHP upgrade; the rows it chose are what is judged.
  if (fpm.serving_from) put(flat, 'php.fpm.serving', 'php', `${fpm.serving || 'unknown'} (${fpm.serving_from.replace(/^unknown: /, '')})`, { informational: true });
  for (const st of fpm.settings) {
    const key = st.env ? `php.fpm.${st.pool}:env[${st.name}]` : `php.fpm.${st.pool}:${st.name}`;
    if (st.digest !== '') {
      put(flat, key, 'php', st.digest.slice(0, DIGEST_SHOWN_CHARS), { compared: st.digest });
      continue;
    }
    put(flat, key, 'php', st.value, phpIniValue(st.name, st.value));
  }
}

/** The pools a side defines: all its sections from agents that list them, else those with settings. */
function fpmPools(f: Facts__Output): Set<string> {
  const fpm = f.php_fpm;
  if (!fpm) return new Set();
  return new Set(fpm.pools.length > 0 ? fpm.pools : fpm.settings.map((s) => s.pool));
}

/**
 * Where this side's php.ini value for an FPM pool comes from: PHP-FPM's own php.ini and scan
 * directory when the agent found them, PHP's built-in default for a setting they leave unset (as
 * the CLI reports it), or — for an agent that found no FPM php.ini, or an older agent — the PHP
 * CLI's php.ini, labelled so. `unknown` with why, when none can be told.
 */
function fpmIniSource(f: Facts__Output, name: string): { value: string; label: string } | { unknown: string; what?: string } | undefined {
  const fpm = f.php_fpm;
  const php = f.php;
  if (fpm?.ini_path) {
    if (fpm.ini_error) return { unknown: fpm.ini_error, what: 'php-fpm php.ini' };
    if (Object.hasOwn(fpm.ini ?? {}, name)) return { value: fpm.ini[name]!, label: 'fpm php.ini' };
    if (Object.hasOwn(fpm.ini_default ?? {}, name)) return { value: fpm.ini_default[name]!, label: 'PHP default' };
    // Left to PHP's default, which the CLI cannot tell here.
    const release = debianFpmRelease(fpm.ini_path);
    const otherRelease = release !== undefined && !sameRelease(release, php?.version ?? '');
    const cliSays = otherRelease
      ? `PHP-FPM is ${release} and the PHP CLI ${php?.version || 'of an unknown version'}: other releases, so PHP's default cannot be read from the CLI`
      : "the PHP CLI's own php.ini sets it, or the CLI forces it";
    const why = !php?.present ? 'no PHP CLI to ask' : php.error || php.ini_error ? "the PHP CLI's settings could not be read" : Object.hasOwn(php.ini ?? {}, name) ? cliSays : undefined;
    if (why !== undefined) return { what: `php-fpm php.ini setting ${name}`, unknown: `not set in PHP-FPM's ${fpm.ini_path} or ${fpm.ini_scan_dir}/*.ini, and PHP's default for it is not known (${why})` };
    // Not a setting of this PHP (opcache.* without OPcache): as for the CLI, not made up.
    return undefined;
  }
  if (!php?.present) return undefined;
  // This side's php.ini could not be read: its gap (php.ini.) is told in the table already.
  if (php.error || php.ini_error) return { unknown: '' };
  if (!Object.hasOwn(php.ini ?? {}, name)) return undefined;
  // No php.ini sets it and the CLI forces it (max_execution_time 0, where FPM's default is 30).
  if ((php.ini_forced ?? []).includes(name)) return { what: `php-fpm php.ini setting ${name}`, unknown: "the PHP CLI forces it; FPM's php.ini was not found" };
  return { value: php.ini[name]!, label: 'CLI php.ini' };
}

/**
 * A php.ini setting the other side's pool overrides and this side's pool leaves alone: its value
 * here is php.ini's (fpmIniSource), which is compared, shown with where it came from
 * (`512M (fpm php.ini)`). Where that setting is not among those read (PHP_PARITY_INI) the row
 * stays on one side only: a value not read is not made up. Secret and env rows never fall back.
 */
function fillFpmFromIni(f: Facts__Output, other: Facts__Output, side: Flattened): void {
  const pools = fpmPools(f);
  const told = new Set<string>();
  for (const st of other.php_fpm?.settings ?? []) {
    const key = `php.fpm.${st.pool}:${st.name}`;
    if (st.env || st.digest !== '' || side.flat.has(key) || !pools.has(st.pool)) continue;
    const src = fpmIniSource(f, st.name);
    if (src === undefined) continue;
    if ('unknown' in src) {
      side.flat.set(key, { category: 'php', shown: 'unknown', unknown: true });
      const what = src.what;
      if (what !== undefined && !told.has(`${what}\0${src.unknown}`)) {
        told.add(`${what}\0${src.unknown}`);
        side.unreadable.push({ prefix: key, exact: true, what, error: src.unknown });
      }
      continue;
    }
    const value = st.flag || PHP_BOOLEAN_SETTINGS.has(st.name) ? phpFlag(src.value) : src.value;
    const v = phpIniValue(st.name, value);
    side.flat.set(key, { category: 'php', shown: `${value} (${src.label})`, ...v, compared: v.compared ?? value });
  }
}

/** The five time fields @daily and its kin stand for: `@daily` runs when `0 0 * * *` does. */
const CRON_ALIASES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A schedule as cron runs it: aliases spelled out, names (`MON`, `jan`) in one case, one space apart. */
export function cronSchedule(schedule: string): string {
  const s = schedule.trim().toLowerCase().split(/\s+/).join(' ');
  return Object.hasOwn(CRON_ALIASES, s) ? CRON_ALIASES[s]! : s;
}

interface CronJobRef {
  user: string;
  program: string;
  schedule: string;
  digest: string;
}

/**
 * Row keys of both sides' cron entries, so a job lines up with its counterpart. A user running a
 * program once on each side: `cron.job.USER:PROGRAM`, paired whatever changed (one row that
 * differs). More than once on either side: `cron.job.USER:PROGRAM@SCHEDULE` (the schedule
 * spelled out, `#1`, `#2`, … only among jobs of one schedule), so a job removed or added leaves
 * every other key as it was. Within one user and program, entries pair by schedule and command
 * digest first, then by digest alone (the schedule changed: staging's schedule keys the row), then
 * by schedule alone (the command changed); what is left is on its side only. Never command text.
 */
function cronJobKeys(sides: CronJobRef[][]): string[][] {
  const keys = sides.map((entries) => entries.map(() => ''));
  const groups = new Map<string, number[][]>();
  sides.forEach((entries, side) =>
    entries.forEach((e, i) => {
      const g = `${e.user}:${e.program}`;
      if (!groups.has(g)) groups.set(g, sides.map(() => []));
      groups.get(g)![side]!.push(i);
    }),
  );
  for (const [group, [s = [], p = []]] of groups) {
    if (s.length <= 1 && p.length <= 1) {
      for (const i of s) keys[0]![i] = `cron.job.${group}`;
      for (const j of p) keys[1]![j] = `cron.job.${group}`;
      continue;
    }
    const at = (side: number, i: number) => ({ ...sides[side]![i]!, schedule: cronSchedule(sides[side]![i]!.schedule) });
    /** Each row: staging's entry, production's, and the schedule naming it. */
    const rows: Array<{ i?: number; j?: number; schedule: string }> = [];
    const freeS = new Set(s);
    const freeP = new Set(p);
    const passes: Array<(a: CronJobRef, b: CronJobRef) => boolean> = [
      (a, b) => a.schedule === b.schedule && a.digest === b.digest,
      (a, b) => a.digest === b.digest,
      (a, b) => a.schedule === b.schedule,
    ];
    for (const same of passes) {
      for (const i of freeS) {
        const j = [...freeP].find((j) => same(at(0, i), at(1, j)));
        if (j === undefined) continue;
        rows.push({ i, j, schedule: at(0, i).schedule });
        freeS.delete(i);
        freeP.delete(j);
      }
    }
    for (const i of freeS) rows.push({ i, schedule: at(0, i).schedule });
    for (const j of freeP) rows.push({ j, schedule: at(1, j).schedule });
    // Numbered within a schedule in staging's file order, production's own jobs after.
    const order = (r: { i?: number; j?: number }) => (r.i !== undefined ? r.i : sides[0]!.length + r.j!);
    const bySchedule = new Map<string, typeof rows>();
    for (const r of rows) bySchedule.set(r.schedule, [...(bySchedule.get(r.schedule) ?? []), r]);
    for (const [schedule, slots] of bySchedule) {
      slots.sort((a, b) => order(a) - order(b));
      slots.forEach((r, n) => {
        // `@reboot` is its own name: `php@reboot`, not `php@@reboot`.
        const key = `cron.job.${group}${schedule.startsWith('@') ? '' : '@'}${schedule}${slots.length > 1 ? `#${n + 1}` : ''}`;
        if (r.i !== undefined) keys[0]![r.i] = key;
        if (r.j !== undefined) keys[1]![r.j] = key;
      });
    }
  }
  return keys;
}

/**
 * Cron jobs as `cron.job.USER:PROGRAM[@SCHEDULE]` (keys from cronJobKeys): schedule and command digest, compared
 * with the schedule spelled out; `NAME=value` lines as `cron.env.SCOPE:NAME` by digest, SCOPE being
 * the system crontab's path or `crontab:USER` for a user's own.
 */
function flattenCron(f: Facts__Output, keys: string[], flat: Flat, unreadable: Unreadable[]): void {
  const cron = f.cron;
  if (cron === null || cron === undefined) {
    const agent = f.os?.agent_version ? ` ${f.os.agent_version}` : '';
    unreadable.push({ prefix: 'cron.', what: 'cron jobs', error: `not reported by this agent${agent} — upgrade it`, quiet: true });
    return;
  }
  for (const u of cron.unreadable) {
    if (u.user === '') unreadable.push({ prefix: 'cron.', what: `cron jobs${u.file === '' ? '' : ` (${u.file})`}`, error: u.error });
    else unreadable.push({ prefix: `cron.job.${u.user}:`, alsoPrefixes: [`cron.env.crontab:${u.user}:`], what: `crontab of ${u.user}${u.file === '' ? '' : ` (${u.file})`}`, error: u.error });
  }
  cron.entries.forEach((e, i) => {
    put(flat, keys[i]!, 'cron', `${e.schedule} [${e.digest.slice(0, DIGEST_SHOWN_CHARS)}]`, { compared: `${cronSchedule(e.schedule)}\0${e.digest}` });
  });
  for (const v of cron.env) {
    put(flat, `cron.env.${v.user === '' ? v.file : `crontab:${v.user}`}:${v.name}`, 'cron', v.digest.slice(0, DIGEST_SHOWN_CHARS), { compared: v.digest });
  }
}

/** What an older agent, without a collector, is told; quiet unless the other side has such rows. */
function notReported(f: Facts__Output, prefix: string, what: string): Unreadable {
  const agent = f.os?.agent_version ? ` ${f.os.agent_version}` : '';
  return { prefix, what, error: `not reported by this agent${agent} — upgrade it`, quiet: true };
}

/** A cron script's row key, `cron.parts.DIR:NAME`: NAME. */
const PARTS_KEY = /^cron\.parts\.[^:]+:(.+)$/;
/** The names Debian's run-parts runs, the only ones an agent before RunPartsFacts.naming reported (agent/facts/runparts-naming.ts). */
const DEBIAN_PARTS_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Scripts run-parts runs as `cron.parts.DIR:NAME` (DIR: hourly, daily, …) by content digest: one
 * production lacks is `missing`, another content `differs`. A script over the agent's read cap is
 * compared by size and modification time, which the row says. Each side lists what its own
 * run-parts runs (`cron.parts.naming`), so a `backup.sh` only RHEL's runs is on that side only.
 */
function flattenRunParts(f: Facts__Output, flat: Flat, unreadable: Unreadable[]): void {
  const parts = f.run_parts;
  if (parts === null || parts === undefined) return void unreadable.push(notReported(f, 'cron.parts.', 'cron scripts'));
  // Which names each host runs (`backup.sh` runs on RHEL, not on Debian) explains a script on one
  // side only; the scripts' own rows are what is judged.
  if (parts.naming !== '') put(flat, 'cron.parts.naming', 'cron', `${parts.naming} (${parts.naming_from})`, { compared: parts.naming, informational: true });
  for (const s of parts.scripts) {
    const shown = `[${s.digest.slice(0, DIGEST_SHOWN_CHARS)}]${s.large ? ' (large: size and mtime)' : ''}`;
    put(flat, `cron.parts.${s.dir}:${s.name}`, 'cron', shown, { compared: `${s.large ? 'large' : 'content'}\0${s.digest}` });
  }
  for (const u of parts.unreadable) {
    const where = u.file === '' ? '' : ` (${u.file})`;
    if (u.dir === '') unreadable.push({ prefix: 'cron.parts.', what: `cron scripts${where}`, error: u.error });
    else if (u.name === '') unreadable.push({ prefix: `cron.parts.${u.dir}:`, what: `cron scripts${where}`, error: u.error });
    else {
      // There, and executable: run-parts runs it, whatever it holds.
      const key = `cron.parts.${u.dir}:${u.name}`;
      put(flat, key, 'cron', 'unknown', { unknown: true });
      unreadable.push({ prefix: key, exact: true, what: `cron script${where}`, error: u.error });
    }
  }
  // An agent before the naming rule left out every name Debian's run-parts skips (`backup.sh`),
  // whatever its host's run-parts runs: such a script the other side reports is unknown here, not
  // lacking. Last, so a gap the agent named itself is the one told.
  if (parts.naming === '') {
    const agent = f.os?.agent_version ? ` ${f.os.agent_version}` : '';
    unreadable.push({
      prefix: 'cron.parts.',
      covers: (key) => {
        const m = PARTS_KEY.exec(key);
        return m !== null && !DEBIAN_PARTS_NAME.test(m[1]!);
      },
      what: 'cron scripts named outside Debian\'s run-parts rule (backup.sh)',
      error: `not reported by this agent${agent}, which lists only the names Debian's run-parts runs — upgrade it`,
      quiet: true,
    });
  }
}

/** systemd's calendar shorthands as the expressions they stand for (systemd.time(7)), so `daily` equals `*-*-* 00:00:00`. */
const CALENDAR_SHORTHANDS: Record<string, string> = {
  minutely: '*-*-* *:*:00',
  hourly: '*-*-* *:00:00',
  daily: '*-*-* 00:00:00',
  monthly: '*-*-01 00:00:00',
  weekly: 'Mon *-*-* 00:00:00',
  yearly: '*-01-01 00:00:00',
  annually: '*-01-01 00:00:00',
  quarterly: '*-01,04,07,10-01 00:00:00',
  semiannually: '*-01,07-01 00:00:00',
};

/** A timer's `KEY=value` schedule line as systemd reads it: calendar shorthands spelled out. */
export function timerSchedule(line: string): string {
  const m = /^OnCalendar=(.*)$/.exec(line);
  if (m === null) return line;
  const v = m[1]!.trim();
  return `OnCalendar=${Object.hasOwn(CALENDAR_SHORTHANDS, v.toLowerCase()) ? CALENDAR_SHORTHANDS[v.toLowerCase()]! : v}`;
}

/** The rows of one timer's settings beside `timer.NAME`, named as the unit files write them. */
const TIMER_SETTINGS = ['Persistent', 'RandomizedDelaySec', 'User'] as const;
/** Those only agents that report TimerSettings.accuracy_sec send. */
const TIMER_SETTINGS_2 = ['AccuracySec', 'Group', 'EnvironmentFile'] as const;
const timerSettingKeys = (name: string) => [...TIMER_SETTINGS, ...TIMER_SETTINGS_2].map((s) => `timer.${name}.${s}`);
/** A variable of the timer's service environment: `timer.NAME.env[VAR]`, brackets as in FPM's env rows. */
const timerEnvKey = (name: string, variable: string) => `timer.${name}.env[${variable}]`;
/** Every row of one timer's, the timer's own and its settings'. */
function timerCovers(name: string, settingKeys: string[]): (key: string) => boolean {
  const env = timerEnvKey(name, '');
  const envPrefix = env.slice(0, -1);
  return (key) => settingKeys.includes(key) || key.startsWith(envPrefix);
}

/**
 * Enabled systemd timers of the admin's unit directory as `timer.NAME`: the On*= schedule lines as
 * written (no secret in them) and the unit they start with a digest of its ExecStart lines; beside
 * it `timer.NAME.Persistent`, `timer.NAME.RandomizedDelaySec` and `timer.NAME.AccuracySec`
 * (compared as time spans: `10m` equals `600`), the service's `timer.NAME.User`,
 * `timer.NAME.Group`, `timer.NAME.EnvironmentFile` (the files as written) and its environment as
 * `timer.NAME.env[VAR]` by digest only.
 */
function flattenTimers(f: Facts__Output, flat: Flat, unreadable: Unreadable[]): void {
  const timers = f.timers;
  if (timers === null || timers === undefined) return void unreadable.push(notReported(f, 'timer.', 'systemd timers'));
  const unsettled: string[] = [];
  const unsettled2: string[] = [];
  for (const t of timers.timers) {
    const runs = `${t.service} [${t.service_digest === '' ? 'not under the unit directory' : t.service_digest.slice(0, DIGEST_SHOWN_CHARS)}]`;
    const shown = `${t.schedule.length === 0 ? '(no schedule)' : t.schedule.join('; ')} → ${runs}`;
    put(flat, `timer.${t.name}`, 'timer', shown, { compared: `${t.schedule.map(timerSchedule).join('\n')}\0${t.service}\0${t.service_digest}` });
    const st = t.settings;
    if (st === null || st === undefined) {
      unsettled.push(t.name);
      continue;
    }
    const [persistent, delay, user, accuracy, group, envFiles] = timerSettingKeys(t.name) as [string, string, string, string, string, string];
    const notUnder = `(${t.service} not under the unit directory)`;
    put(flat, persistent, 'timer', st.persistent);
    put(flat, delay, 'timer', st.randomized_delay_sec, { compared: timespanMicros(st.randomized_delay_sec)?.toString() ?? st.randomized_delay_sec });
    put(flat, user, 'timer', st.user === '' ? notUnder : st.user, { compared: st.user });
    if (st.accuracy_sec === '') {
      unsettled2.push(t.name);
      continue;
    }
    put(flat, accuracy, 'timer', st.accuracy_sec, { compared: timespanMicros(st.accuracy_sec)?.toString() ?? st.accuracy_sec });
    put(flat, group, 'timer', st.group === '' ? notUnder : st.group, { compared: st.group });
    if (st.user === '') continue;
    const files = st.environment_files.length === 0 ? '(none)' : st.environment_files.join('; ');
    if (st.environment_error !== '') {
      // What the file sets is not known: its variables, and the other side's, are unknown here.
      put(flat, envFiles, 'timer', `${files} (unknown: ${st.environment_error})`, { unknown: true });
      unreadable.push({ prefix: timerEnvKey(t.name, ''), covers: (key) => key.startsWith(timerEnvKey(t.name, '').slice(0, -1)), what: `systemd timer ${t.name}: ${t.service} environment`, error: st.environment_error });
    } else put(flat, envFiles, 'timer', files);
    for (const v of st.environment) put(flat, timerEnvKey(t.name, v.name), 'timer', v.digest.slice(0, DIGEST_SHOWN_CHARS), { compared: v.digest });
  }
  // An agent before the settings: the other side's are unknown here, quietly unless it has some.
  if (unsettled.length > 0) {
    const keys = unsettled.flatMap((n) => timerSettingKeys(n));
    const envs = unsettled.map((n) => timerCovers(n, []));
    unreadable.push({ ...notReported(f, keys[0]!, 'systemd timer settings (Persistent=, RandomizedDelaySec=, User=)'), covers: (key) => keys.includes(key) || envs.some((c) => c(key)) });
  }
  if (unsettled2.length > 0) {
    const keys = unsettled2.flatMap((n) => TIMER_SETTINGS_2.map((s) => `timer.${n}.${s}`));
    const envs = unsettled2.map((n) => timerCovers(n, []));
    unreadable.push({ ...notReported(f, keys[0]!, 'systemd timer settings (AccuracySec=, Group=, Environment=, EnvironmentFile=)'), covers: (key) => keys.includes(key) || envs.some((c) => c(key)) });
  }
  for (const u of timers.unreadable) {
    const where = u.file === '' ? '' : ` (${u.file})`;
    if (u.name === '') unreadable.push({ prefix: 'timer.', what: `systemd timers${where}`, error: u.error });
    else {
      const key = `timer.${u.name}`;
      put(flat, key, 'timer', 'unknown', { unknown: true });
      // Its settings and environment are as unknown as its schedule.
      unreadable.push({ prefix: key, covers: timerCovers(u.name, [key, ...timerSettingKeys(u.name)]), what: `systemd timer${where}`, error: u.error });
    }
  }
}

/** A key the other side has and this side could not read is 'unknown' here, never 'absent' or missing. */
function fillUnknown(a: Flattened, b: Flattened): void {
  for (const [from, to] of [[a, b], [b, a]] as const) {
    for (const [key, v] of from.flat) {
      if (to.flat.has(key)) continue;
      const gap = to.unreadable.find((u) => (u.covers ? u.covers(key) : [u.prefix, ...(u.alsoPrefixes ?? [])].some((prefix) => (u.exact ? key === prefix : key.startsWith(prefix)))));
      if (gap === undefined) continue;
      gap.used = true;
      to.flat.set(key, { category: v.category, shown: 'unknown', unknown: true });
    }
  }
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

/** major.minor of a version string (8.2.18 → 8.2, 10.11.6-MariaDB-0+deb12u1 → 10.11), if it has one. */
function minorOf(v: string | null | undefined): string | undefined {
  return v === undefined || v === null ? undefined : /^\D*?(\d+\.\d+)/.exec(v)?.[1];
}

/** Versions on one major.minor line, so `KEY~patch` in allowDiffer accepts them. */
export function samePatchLine(a: string | null | undefined, b: string | null | undefined): boolean {
  const m = minorOf(a);
  return m !== undefined && m === minorOf(b);
}

/**
 * Allows a key to differ or to be on one side only. `KEY` exactly; `ENV:NAME` for that variable in
 * any env file; `*` for any run of characters (`php.module.*`); a `~patch` suffix allows only a
 * difference past major.minor (`php.version~patch` lets 8.2.18 meet 8.2.20, never 8.3.1, nor a
 * version on one side only), so a patch release need not allow every version.
 */
function allowMatcher(allow: string[]): (key: string, s: Value | undefined, p: Value | undefined) => boolean {
  const patterns = allow.filter((a) => !a.startsWith('ENV:')).map((a) => {
    const patchOnly = a.endsWith('~patch');
    const glob = patchOnly ? a.slice(0, -'~patch'.length) : a;
    const re = new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return { re, patchOnly };
  });
  const envNames = new Set(allow.filter((a) => a.startsWith('ENV:')).map((a) => a.slice(4)));
  // A plan written before a rename (`mysql.tx_isolation`) still allows the row under its current name.
  const oldNames = new Map(Object.entries(MYSQL_RENAMED).map(([old, current]) => [`mysql.${current}`, `mysql.${old}`]));
  return (key, s, p) => {
    const env = /^env\..*:([^:]+)$/.exec(key);
    if (env !== null && envNames.has(env[1]!)) return true;
    const old = oldNames.get(key);
    return patterns.some(({ re, patchOnly }) => {
      if (!re.test(key) && (old === undefined || !re.test(old))) return false;
      if (!patchOnly) return true;
      return samePatchLine(s?.shown, p?.shown);
    });
  };
}

function classify(s: Value | undefined, p: Value | undefined, allowed: boolean): ParityStatus {
  // Not read is not proven equal: differs, flagged `unreadable` on the row (the API's four statuses hold).
  if (s?.unknown || p?.unknown) return 'differs';
  const informational = s?.informational === true || p?.informational === true;
  // Allowing a key covers it being on one side only: a variable one server version lacks, a
  // web server staging has and the site does not use, a staging-only env variable.
  if (s === undefined || p === undefined) return allowed || informational ? 'allowed' : 'missing';
  if ((s.compared ?? s.shown) === (p.compared ?? p.shown)) return 'equal';
  if (allowed || informational || atLeast(s.capacity, p.capacity)) return 'allowed';
  return 'differs';
}

/** Production's limit is staging's or more (unlimited counts as more than any number). */
function atLeast(staging: Value['capacity'], production: Value['capacity']): boolean {
  if (staging === undefined || production === undefined) return false;
  if (production === 'unlimited') return true;
  return staging !== 'unlimited' && production >= staging;
}

export function compareRuntimeFacts(staging: Facts__Output, production: Facts__Output, opts: RuntimeCompareOptions): ParityTable {
  const [sLabels, pLabels] = envFileLabels([envFileRefs(staging), envFileRefs(production)]);
  // The site comes from staging: production must have the locales it runs with there.
  const locales = defaultLocales([staging]);
  const [sCron, pCron] = cronJobKeys([staging.cron?.entries ?? [], production.cron?.entries ?? []]);
  const sg = flattenWithGaps(staging, sLabels!, locales, sCron!);
  const pg = flattenWithGaps(production, pLabels!, locales, pCron!);
  fillUnknown(sg, pg);
  if (opts.hosts !== undefined) {
    // Lined up by the hosts of both sides at once, so after the other collectors' gaps are filled.
    const vh = vhostRows(staging, production, opts.hosts);
    for (const [k, v] of vh.staging) sg.flat.set(k, v);
    for (const [k, v] of vh.production) pg.flat.set(k, v);
    for (const g of vh.gaps) (g.side === 'staging' ? sg : pg).unreadable.push({ prefix: g.key, exact: true, what: g.what, error: g.error });
  }
  fillFpmFromIni(staging, production, sg);
  fillFpmFromIni(production, staging, pg);
  const s = sg.flat;
  const p = pg.flat;
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
      status: classify(sv, pv, isAllowed(key, sv, pv)),
      ...(sv?.unknown || pv?.unknown ? { unreadable: true } : {}),
    });
  }
  const rank = (c: string) => {
    const i = CATEGORY_ORDER.indexOf(c);
    return i < 0 ? CATEGORY_ORDER.length : i;
  };
  rows.sort((a, b) => rank(a.category) - rank(b.category) || a.key.localeCompare(b.key));
  const summary: Record<ParityStatus, number> & { unknown: number } = { equal: 0, differs: 0, missing: 0, allowed: 0, unknown: 0 };
  for (const r of rows) {
    summary[r.status]++;
    if (r.unreadable === true) summary.unknown++;
  }
  const unreadable = [
    ...sg.unreadable.filter((u) => !u.quiet || u.used).map((u) => ({ side: 'staging' as const, agent: opts.stagingName, what: u.what, error: u.error })),
    ...pg.unreadable.filter((u) => !u.quiet || u.used).map((u) => ({ side: 'production' as const, agent: opts.productionName, what: u.what, error: u.error })),
  ];
  return { staging: opts.stagingName, production: opts.productionName, rows, summary, unreadable };
}
