// PHP-FPM pool overrides: `php_value[…]`, `php_admin_value[…]`, `php_flag[…]`, `php_admin_flag[…]`
// in pool files set php.ini settings for the site alone, so two hosts with one php.ini can still
// run the site with another memory_limit; `env[…]` sets what getenv() returns there. The files
// are read as FPM reads them, include= lines followed. A value whose setting may hold a secret,
// and every env value, is read, hashed and dropped here, as env files' values are: nothing
// returned, noted or thrown contains one.
import { dirname, join } from 'node:path';
import type { FpmPoolSetting } from '../../shared/proto-gen/switchyard/v1/FpmPoolSetting.js';
import type { FpmPoolUnreadable } from '../../shared/proto-gen/switchyard/v1/FpmPoolUnreadable.js';
import type { PhpFpmFacts } from '../../shared/proto-gen/switchyard/v1/PhpFpmFacts.js';
import type { Collected } from './collected.js';
import { envDigest } from './env.js';
import { applyFpmEntry, mergeFpmLines, scanFpmText, type FpmEntry, type FpmLine, type FpmReadState, type FpmSink } from './fpm-parse.js';
import { expandGlob } from './glob.js';
import { readSmallFile } from './small-file.js';
import { servingInstall, type PoolListen } from './fpm-serving.js';
import type { FastcgiPass } from './nginx-vhosts.js';

export { mergeFpmLines, parseFpmPoolFile, type FpmLine } from './fpm-parse.js';

/**
 * Where Debian/Ubuntu, RHEL/Fedora and the official Docker images keep php-fpm.conf and the pool
 * files; php-fpm.conf first, so what its include= lines name is read in FPM's order. A file here
 * that is not there is no error (another distribution's layout).
 */
export const DEFAULT_FPM_POOLS = [
  '/etc/php/*/fpm/php-fpm.conf',
  '/etc/php-fpm.conf',
  '/usr/local/etc/php-fpm.conf',
  '/etc/php/*/fpm/pool.d/*.conf',
  '/etc/php-fpm.d/*.conf',
  '/usr/local/etc/php-fpm.d/*.conf',
];

/**
 * Settings that may hold a credential: a database password, an API key, a Redis `auth=` in
 * session.save_path, an APM agent's licence key (`newrelic.license`), an MTA's password on the
 * sendmail_path command line (`ssmtp -ap …`). Compared by digest only; wider than needed rather
 * than narrower. env[…] values need no list: they are all digested.
 */
export const FPM_SECRET_SETTING = /pass|pwd|_pw$|secret|key|token|auth|credential|save_path|dsn|licen[cs]e|sendmail_path|salt/i;

/**
 * FPM refuses a config nested deeper than php-fpm.conf and four levels of include= (php-src
 * fpm_conf.c, `ini_recursion > 4`), so an include loop never starts a server either.
 */
export const FPM_INCLUDE_DEPTH = 5;

/** Files read at most, whatever include= globs match: the rest is unknown, not absent. */
export const FPM_MAX_FILES = 1000;

/** An include that matches nothing is skipped by FPM with a warning; a directory it matches, silently. */
const INCLUDE_SKIPPED = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

interface Walk extends FpmSink {
  sections: NonNullable<FpmSink['sections']>;
  files: string[];
  unreadable: FpmPoolUnreadable[];
  /** Each file read, by the install (group) it was first reached through. */
  groupOf: Map<string, string>;
  /** Groups joined by an include= from one into the other: one FPM install. */
  parent: Map<string, string>;
}

function findGroup(w: Walk, g: string): string {
  let root = g;
  while (w.parent.has(root)) root = w.parent.get(root)!;
  return root;
}

function joinGroups(w: Walk, a: string, b: string): void {
  const ra = findGroup(w, a);
  const rb = findGroup(w, b);
  if (ra !== rb) w.parent.set(rb, ra);
}

/**
 * FPM's prefix, which a relative include= is taken from: the directory above the `etc` the file
 * is in (`/usr/local` for the Docker images' /usr/local/etc/php-fpm.conf, where FPM looks for
 * `${prefix}/etc/php-fpm.conf`). Distributions keep their files in /etc with the prefix /usr,
 * which nothing in the path tells: undefined there.
 */
export function fpmPrefix(file: string): string | undefined {
  const parts = file.split('/').filter((p) => p !== '');
  const etc = parts.indexOf('etc');
  return etc > 0 ? `/${parts.slice(0, etc).join('/')}` : undefined;
}

function unreadableFile(file: string, error: string): FpmPoolUnreadable {
  return { file, pool: '', name: '', error };
}

/** Reads `file` and what it includes, in FPM's order; `chain` is the files including it, outermost first. */
async function readFpmFile(file: string, chain: string[], group: string, state: FpmReadState, w: Walk): Promise<void> {
  const seen = w.groupOf.get(file);
  if (seen !== undefined) {
    // Read once, where first reached; reached again, it still ties the two installs together.
    joinGroups(w, group, seen);
    return;
  }
  if (w.groupOf.size >= FPM_MAX_FILES) {
    w.unreadable.push(unreadableFile(file, `not read: over ${FPM_MAX_FILES} PHP-FPM files matched`));
    return;
  }
  w.groupOf.set(file, group);
  let text: string;
  try {
    const read = await readSmallFile(file);
    if (!('text' in read)) return void w.unreadable.push(unreadableFile(file, read.refused));
    text = read.text;
  } catch (err) {
    return void w.unreadable.push(unreadableFile(file, `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`));
  }
  w.files.push(file);
  for (const e of scanFpmText(text)) {
    if (e.kind === 'include') await followInclude(e, file, [...chain, file], group, state, w);
    else applyFpmEntry(e, state, file, w);
  }
}

async function followInclude(e: Extract<FpmEntry, { kind: 'include' }>, file: string, chain: string[], group: string, state: FpmReadState, w: Walk): Promise<void> {
  const where = `${file}:${e.line}`;
  if (e.pattern === '') return void w.notes.push(`php-fpm: ${where}: include= names no file, skipped`);
  let pattern = e.pattern;
  if (!pattern.startsWith('/')) {
    const prefix = fpmPrefix(file);
    if (prefix === undefined) {
      const error = `include=${e.pattern} is relative to PHP-FPM's --prefix, which the path of ${file} does not tell — list the files it names in phpFpmPools`;
      return void w.unreadable.push(unreadableFile(where, error));
    }
    pattern = join(prefix, pattern);
  }
  if (chain.length >= FPM_INCLUDE_DEPTH) {
    return void w.unreadable.push(unreadableFile(where, `include=${e.pattern} nested more than ${FPM_INCLUDE_DEPTH} files deep (${chain.join(' → ')}); PHP-FPM refuses such a config`));
  }
  const found = await expandGlob(pattern);
  for (const err of found.errors) {
    if (!INCLUDE_SKIPPED.has(err.code)) w.unreadable.push(unreadableFile(err.path, `cannot read: ${err.code} (include= at ${where})`));
  }
  if (found.files.length === 0 && found.errors.every((x) => INCLUDE_SKIPPED.has(x.code))) w.notes.push(`php-fpm: ${where}: include=${e.pattern} matches no file`);
  for (const f of found.files) {
    if (chain.includes(f)) {
      w.unreadable.push(unreadableFile(where, `include=${e.pattern} includes ${f} again, which includes this file; PHP-FPM refuses such a config`));
      continue;
    }
    await readFpmFile(f, chain, group, state, w);
  }
}

function toSetting(l: FpmLine, salt: string): FpmPoolSetting | FpmPoolUnreadable {
  // An env value is as secret as a process's environment, whatever its name (APP_KEY, DATABASE_URL, …).
  const secret = l.env || FPM_SECRET_SETTING.test(l.name);
  if (!secret) return { pool: l.pool, name: l.name, value: l.value, digest: '', flag: l.flag, file: l.file, env: false };
  // Unsalted digests of short secrets are found by trying every short string.
  if (salt === '') return { file: l.file, pool: l.pool, name: l.env ? `env[${l.name}]` : l.name, error: `${l.env ? 'an env value' : 'may hold a secret'} and no salt was sent to digest it with` };
  return { pool: l.pool, name: l.name, value: '', digest: envDigest(salt, l.value), flag: l.flag, file: l.file, env: l.env };
}

export interface FpmCollectOptions {
  /** A literal path in `patterns` that is not there is no error (the defaults: another layout's files). */
  absentIsEmpty?: boolean;
  /** Where nginx passes the site's PHP: with two installs read, it tells the one serving the site. */
  fastcgi?: FastcgiPass;
}

/**
 * The pools of the files matching `patterns` and of what they include. A pool defined in two FPM
 * installs (php8.1-fpm and php8.2-fpm side by side: files not tied by include= lines, in
 * different directories) is unknown: which one serves the site is not in the files, and the
 * agent config can say.
 */
export async function collectFpmFacts(patterns: string[], salt: string, opts: FpmCollectOptions = {}): Promise<Collected<PhpFpmFacts> & { servingFiles?: string[] }> {
  const w: Walk = { files: [], lines: [], pools: [], notes: [], unreadable: [], groupOf: new Map(), parent: new Map(), sections: [] };
  for (const pattern of patterns) {
    const found = await expandGlob(pattern);
    for (const e of found.errors) {
      if (opts.absentIsEmpty && e.code === 'ENOENT' && e.path === pattern) continue;
      w.unreadable.push(unreadableFile(e.path, `cannot read: ${e.code}`));
    }
    // Each configured file starts outside any pool, as FPM's main file does.
    for (const f of found.files) if (!w.groupOf.has(f)) await readFpmFile(f, [], dirname(f), { pool: undefined }, w);
  }
  const installOf = (file: string) => findGroup(w, w.groupOf.get(file)!);
  const sections = w.sections ?? [];
  const installs = [...new Set(sections.map((x) => installOf(x.file)))];
  let serving: string | undefined;
  let servingFrom = '';
  if (installs.length > 1) {
    // A pool's listen is its last line, wherever it was read.
    const listens = new Map<string, PoolListen>();
    for (const x of sections) if (x.listen !== undefined) listens.set(`${installOf(x.file)}\0${x.pool}`, { install: installOf(x.file), pool: x.pool, listen: x.listen, file: x.file });
    const told = servingInstall(installs, [...listens.values()], opts.fastcgi);
    if ('install' in told) {
      serving = told.install;
      servingFrom = told.how;
    } else servingFrom = `unknown: ${told.why}`;
  }
  // The serving install's pools alone are the site's; another install's are no part of it.
  const lines = serving === undefined ? w.lines : w.lines.filter((l) => installOf(l.file) === serving);
  const pools = serving === undefined ? w.pools : w.pools.filter((p) => sections.some((x) => x.pool === p && installOf(x.file) === serving));
  const groupsOf = new Map<string, Set<string>>();
  for (const l of lines) groupsOf.set(l.pool, (groupsOf.get(l.pool) ?? new Set()).add(installOf(l.file)));
  for (const [pool, groups] of groupsOf) {
    if (groups.size > 1) {
      const why = servingFrom === '' ? '' : ` — which one serves the site is ${servingFrom}`;
      w.unreadable.push({ file: '', pool, name: '', error: `defined in ${[...groups].join(' and ')} (two PHP-FPM installs?)${why} — set phpFpmPools in the agent config to the pool files of the one serving the site` });
    }
  }
  const settings: FpmPoolSetting[] = [];
  for (const l of mergeFpmLines(lines.filter((l) => groupsOf.get(l.pool)!.size === 1))) {
    const s = toSetting(l, salt);
    if ('error' in s) w.unreadable.push(s);
    else settings.push(s);
  }
  const notes = [...w.notes];
  for (const u of w.unreadable) notes.push(`php-fpm: ${u.pool === '' ? u.file : `pool ${u.pool}${u.name === '' ? '' : ` ${u.name}`}`}: ${u.error}`);
  const facts: PhpFpmFacts = { files: w.files, settings, unreadable: w.unreadable, pools, env_read: true, serving: serving ?? '', serving_from: servingFrom };
  return serving === undefined ? { facts, notes } : { facts, notes, servingFiles: w.files.filter((f) => installOf(f) === serving) };
}
