// The lines of a PHP-FPM config file that matter to parity, as FPM reads them: `[pool]` sections,
// php.ini overrides (`php_value[…]`, `php_admin_value[…]`, `php_flag[…]`, `php_admin_flag[…]`),
// `env[…]` and `include=`. Pure: reading files and following includes is fpm.ts's job.
import { phpFlag } from '../../shared/php-flag.js';

/** One override or env line as written: `admin` lines win over plain ones in FPM, whatever their order. */
export interface FpmLine {
  pool: string;
  name: string;
  value: string;
  admin: boolean;
  flag: boolean;
  /** An `env[NAME]` line: `name` is the variable. */
  env: boolean;
  file: string;
}

/** A line of a file, in file order; `line` is 1-based. */
export type FpmEntry =
  | { line: number; kind: 'section'; name: string }
  | { line: number; kind: 'value'; directive: string; name: string; raw: string }
  | { line: number; kind: 'env'; name: string; raw: string }
  | { line: number; kind: 'include'; pattern: string }
  | { line: number; kind: 'listen'; address: string };

// FPM matches these names case-sensitively (strcmp in fpm_conf.c).
const DIRECTIVE = /^(php_admin_value|php_value|php_admin_flag|php_flag)\s*\[\s*([^\]]*?)\s*\]\s*=\s*(.*)$/;
const ENV = /^env\s*\[\s*([^\]]*?)\s*\]\s*=\s*(.*)$/;
const INCLUDE = /^include\s*=\s*(.*)$/;
const LISTEN = /^listen\s*=\s*(.*)$/;
const SECTION = /^\[([^\]]*)\]\s*(?:;.*)?$/;

/** An ini value: quotes removed; unquoted, up to a `;` comment. */
export function iniValue(raw: string): string {
  const q = raw[0];
  if (q === '"' || q === "'") {
    const end = raw.indexOf(q, 1);
    return end < 0 ? raw.slice(1) : raw.slice(1, end);
  }
  const comment = raw.indexOf(';');
  return (comment < 0 ? raw : raw.slice(0, comment)).trim();
}

/** The entries of one file; everything else (pm.*, user, comments) is left out. */
export function scanFpmText(text: string): FpmEntry[] {
  const out: FpmEntry[] = [];
  text.replace(/\r\n?/g, '\n').split('\n').forEach((l, i) => {
    const t = l.trim();
    const line = i + 1;
    if (t === '' || t.startsWith(';') || t.startsWith('#')) return;
    const section = SECTION.exec(t);
    if (section) return void out.push({ line, kind: 'section', name: section[1]!.trim() });
    const m = DIRECTIVE.exec(t);
    if (m) return void out.push({ line, kind: 'value', directive: m[1]!, name: m[2]!, raw: m[3]! });
    const env = ENV.exec(t);
    if (env) return void out.push({ line, kind: 'env', name: env[1]!, raw: env[2]! });
    const inc = INCLUDE.exec(t);
    if (inc) return void out.push({ line, kind: 'include', pattern: iniValue(inc[1]!) });
    const listen = LISTEN.exec(t);
    if (listen) out.push({ line, kind: 'listen', address: iniValue(listen[1]!) });
  });
  return out;
}

/** Where a file's reading stands: FPM keeps the current section across include= lines, both ways. */
export interface FpmReadState {
  pool: string | undefined;
}

export interface FpmSink {
  lines: FpmLine[];
  /** Every pool section seen, settings or not, in first-seen order. */
  pools: string[];
  notes: string[];
  /** Each `[pool]` section and `listen =` line with the file it is in, in reading order. */
  sections?: Array<{ pool: string; file: string; listen?: string }>;
}

/**
 * Applies a section, value or env entry. `[global]` is php-fpm.conf's own section, not a pool.
 * Notes give the line number, never the line: it may hold a secret.
 */
export function applyFpmEntry(e: Exclude<FpmEntry, { kind: 'include' }>, state: FpmReadState, file: string, sink: FpmSink): void {
  if (e.kind === 'section') {
    state.pool = e.name === 'global' || e.name === '' ? undefined : e.name;
    if (state.pool !== undefined && !sink.pools.includes(state.pool)) sink.pools.push(state.pool);
    if (state.pool !== undefined) sink.sections?.push({ pool: state.pool, file });
    return;
  }
  if (e.kind === 'listen') {
    // FPM replaces $pool in any value with the pool's name.
    if (state.pool !== undefined) sink.sections?.push({ pool: state.pool, file, listen: e.address.replaceAll('$pool', state.pool) });
    return;
  }
  const kind = e.kind === 'env' ? 'env' : e.directive;
  if (state.pool === undefined) {
    sink.notes.push(`php-fpm: ${file}:${e.line}: ${kind} outside a pool section, skipped`);
    return;
  }
  if (e.name === '') {
    sink.notes.push(`php-fpm: ${file}:${e.line}: ${kind}[] names no ${e.kind === 'env' ? 'variable' : 'setting'}, skipped`);
    return;
  }
  const value = iniValue(e.raw);
  if (e.kind === 'env') {
    sink.lines.push({ pool: state.pool, name: e.name, value, admin: false, flag: false, env: true, file });
    return;
  }
  const flag = e.directive.endsWith('_flag');
  sink.lines.push({ pool: state.pool, name: e.name, value: flag ? phpFlag(value) : value, admin: e.directive.startsWith('php_admin_'), flag, env: false, file });
}

/** The override and env lines of one file by `[pool]` section, its include= lines not followed. */
export function parseFpmPoolFile(text: string, file: string): { facts: FpmLine[]; notes: string[] } {
  const sink: FpmSink = { lines: [], pools: [], notes: [] };
  const state: FpmReadState = { pool: undefined };
  for (const e of scanFpmText(text)) if (e.kind !== 'include') applyFpmEntry(e, state, file, sink);
  return { facts: sink.lines, notes: sink.notes };
}

/**
 * One value per pool and setting (or env variable): an admin line over a plain one (FPM applies
 * admin values last), otherwise the last line read, as FPM merges sections of one name across
 * its files.
 */
export function mergeFpmLines(lines: FpmLine[]): FpmLine[] {
  const out = new Map<string, FpmLine>();
  for (const l of lines) {
    const key = `${l.pool}\0${l.env ? 'env' : 'ini'}\0${l.name}`;
    const had = out.get(key);
    if (had?.admin && !l.admin) continue;
    out.set(key, l);
  }
  return [...out.values()];
}
