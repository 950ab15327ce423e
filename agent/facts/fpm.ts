// PHP-FPM pool overrides: `php_value[…]`, `php_admin_value[…]`, `php_flag[…]`, `php_admin_flag[…]`
// in pool files set php.ini settings for the site alone, so two hosts with one php.ini can still
// run the site with another memory_limit. A value whose setting may hold a secret is read, hashed
// and dropped here, as env values are: nothing returned, noted or thrown contains one.
import { dirname } from 'node:path';
import type { FpmPoolSetting } from '../../shared/proto-gen/switchyard/v1/FpmPoolSetting.js';
import type { FpmPoolUnreadable } from '../../shared/proto-gen/switchyard/v1/FpmPoolUnreadable.js';
import type { PhpFpmFacts } from '../../shared/proto-gen/switchyard/v1/PhpFpmFacts.js';
import type { Collected } from './collected.js';
import { envDigest } from './env.js';
import { expandGlob } from './glob.js';
import { readSmallFile } from './small-file.js';

/** Where Debian/Ubuntu, RHEL/Fedora and the official Docker images keep pool files. */
export const DEFAULT_FPM_POOLS = ['/etc/php/*/fpm/pool.d/*.conf', '/etc/php-fpm.d/*.conf', '/usr/local/etc/php-fpm.d/*.conf'];

/**
 * Settings that may hold a credential: a database password, an API key, a Redis `auth=` in
 * session.save_path, an APM agent's licence key (`newrelic.license`), an MTA's password on the
 * sendmail_path command line (`ssmtp -ap …`). Compared by digest only; wider than needed rather
 * than narrower.
 */
export const FPM_SECRET_SETTING = /pass|pwd|_pw$|secret|key|token|auth|credential|save_path|dsn|licen[cs]e|sendmail_path|salt/i;

const DIRECTIVE = /^(php_admin_value|php_value|php_admin_flag|php_flag)\s*\[\s*([^\]]*?)\s*\]\s*=\s*(.*)$/;
const SECTION = /^\[([^\]]*)\]\s*(?:;.*)?$/;

/** One override line as written: `admin` lines win over plain ones in FPM, whatever their order. */
export interface FpmLine {
  pool: string;
  name: string;
  value: string;
  admin: boolean;
  flag: boolean;
  file: string;
}

/** An ini value: quotes removed; unquoted, up to a `;` comment. */
function iniValue(raw: string): string {
  const q = raw[0];
  if (q === '"' || q === "'") {
    const end = raw.indexOf(q, 1);
    return end < 0 ? raw.slice(1) : raw.slice(1, end);
  }
  const comment = raw.indexOf(';');
  return (comment < 0 ? raw : raw.slice(0, comment)).trim();
}

/** on/off for what php_flag takes as true/false. */
function flagValue(v: string): string {
  const l = v.trim().toLowerCase();
  if (['1', 'on', 'yes', 'true'].includes(l)) return 'on';
  if (['0', 'off', 'no', 'false', 'none', ''].includes(l)) return 'off';
  return v.trim();
}

/**
 * The override lines of one pool file, by `[pool]` section. `[global]` is php-fpm.conf's own
 * section, not a pool. Notes give the line number, never the line: it may hold a secret.
 */
export function parseFpmPoolFile(text: string, file: string): Collected<FpmLine[]> {
  const lines: FpmLine[] = [];
  const notes: string[] = [];
  let pool: string | undefined;
  text.replace(/\r\n?/g, '\n').split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith(';') || t.startsWith('#')) return;
    const section = SECTION.exec(t);
    if (section) {
      const name = section[1]!.trim();
      pool = name === 'global' || name === '' ? undefined : name;
      return;
    }
    const m = DIRECTIVE.exec(t);
    if (m === null) return; // pm.*, listen, user, env[…]: not php.ini settings
    const [, kind, name, raw] = m as unknown as [string, string, string, string];
    if (pool === undefined) {
      notes.push(`php-fpm: ${file}:${i + 1}: ${kind} outside a pool section, skipped`);
      return;
    }
    if (name === '') {
      notes.push(`php-fpm: ${file}:${i + 1}: ${kind}[] names no setting, skipped`);
      return;
    }
    const flag = kind.endsWith('_flag');
    const value = iniValue(raw);
    lines.push({ pool, name, value: flag ? flagValue(value) : value, admin: kind.startsWith('php_admin_'), flag, file });
  });
  return { facts: lines, notes };
}

/**
 * One value per pool and setting: an admin line over a plain one (FPM applies admin values
 * last), otherwise the last line read, as FPM merges sections of one name across its files.
 */
export function mergeFpmLines(lines: FpmLine[]): FpmLine[] {
  const out = new Map<string, FpmLine>();
  for (const l of lines) {
    const key = `${l.pool}\0${l.name}`;
    const had = out.get(key);
    if (had?.admin && !l.admin) continue;
    out.set(key, l);
  }
  return [...out.values()];
}

function toSetting(l: FpmLine, salt: string): FpmPoolSetting | FpmPoolUnreadable {
  if (!FPM_SECRET_SETTING.test(l.name)) return { pool: l.pool, name: l.name, value: l.value, digest: '', flag: l.flag, file: l.file };
  // Unsalted digests of short secrets are found by trying every short string.
  if (salt === '') return { file: l.file, pool: l.pool, name: l.name, error: 'may hold a secret and no salt was sent to digest it with' };
  return { pool: l.pool, name: l.name, value: '', digest: envDigest(salt, l.value), flag: l.flag, file: l.file };
}

/**
 * The pools of the files matching `patterns`. A pool defined in the pool directories of two FPM
 * installs (php8.1-fpm and php8.2-fpm side by side) is unknown: which one serves the site is not
 * in the files, and the agent config can say.
 */
export async function collectFpmFacts(patterns: string[], salt: string): Promise<Collected<PhpFpmFacts>> {
  const unreadable: FpmPoolUnreadable[] = [];
  const notes: string[] = [];
  const files: string[] = [];
  for (const pattern of patterns) {
    const found = await expandGlob(pattern);
    for (const e of found.errors) unreadable.push({ file: e.path, pool: '', name: '', error: `cannot read: ${e.code}` });
    for (const f of found.files) if (!files.includes(f)) files.push(f);
  }
  const lines: FpmLine[] = [];
  for (const file of files) {
    let text: string;
    try {
      const read = await readSmallFile(file);
      if (!('text' in read)) {
        unreadable.push({ file, pool: '', name: '', error: read.refused });
        continue;
      }
      text = read.text;
    } catch (err) {
      unreadable.push({ file, pool: '', name: '', error: `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}` });
      continue;
    }
    const parsed = parseFpmPoolFile(text, file);
    lines.push(...parsed.facts);
    notes.push(...parsed.notes);
  }
  const dirsOf = new Map<string, Set<string>>();
  for (const l of lines) dirsOf.set(l.pool, (dirsOf.get(l.pool) ?? new Set()).add(dirname(l.file)));
  const settings: FpmPoolSetting[] = [];
  for (const [pool, dirs] of dirsOf) {
    if (dirs.size > 1) {
      unreadable.push({ file: '', pool, name: '', error: `defined in ${[...dirs].join(' and ')} (two PHP-FPM installs?) — set phpFpmPools in the agent config to the pool files of the one serving the site` });
    }
  }
  for (const l of mergeFpmLines(lines.filter((l) => dirsOf.get(l.pool)!.size === 1))) {
    const s = toSetting(l, salt);
    if ('error' in s) unreadable.push(s);
    else settings.push(s);
  }
  for (const u of unreadable) notes.push(`php-fpm: ${u.pool === '' ? u.file : `pool ${u.pool}${u.name === '' ? '' : ` ${u.name}`}`}: ${u.error}`);
  return { facts: { files, settings, unreadable }, notes };
}
