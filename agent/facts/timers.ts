// systemd timers: the admin's replacement for a crontab line (`OnCalendar=daily` starting
// site-backup.service). Only units under the configured directories (/etc/systemd/system) count —
// the admin's, not the distribution's packages' in /lib, which differ between any two hosts and are
// no part of the site. A timer's schedule is no secret and is shown; the service's ExecStart lines
// may hold one and travel as a digest only.
import { readdir, stat } from 'node:fs/promises';
import { readSmallFile } from './small-file.js';
import { join } from 'node:path';
import type { TimerFacts } from '../../shared/proto-gen/switchyard/v1/TimerFacts.js';
import type { TimerSettings } from '../../shared/proto-gen/switchyard/v1/TimerSettings.js';
import type { TimerEnvVar } from '../../shared/proto-gen/switchyard/v1/TimerEnvVar.js';
import { timespanMicros } from '../../shared/systemd-timespan.js';
import type { Collected } from './collected.js';
import { digestEnvText, envDigest } from './env.js';

export const DEFAULT_TIMER_DIRS = ['/etc/systemd/system'];

/** The [Timer] settings that say when it fires. */
const SCHEDULE_KEYS = new Set(['OnActiveSec', 'OnBootSec', 'OnStartupSec', 'OnUnitActiveSec', 'OnUnitInactiveSec', 'OnCalendar', 'OnClockChange', 'OnTimezoneChange']);

const ABSENT = new Set(['ENOENT', 'ENOTDIR']);
const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'error';

/** `[Section]` → `Key` → values in order; an empty assignment (`OnCalendar=`) clears the list, as systemd does. */
export type Unit = Map<string, Map<string, string[]>>;

/** systemd unit syntax: sections, `Key=value`, `#`/`;` comments, a trailing `\` continues the line. */
export function parseUnit(text: string, into: Unit = new Map()): Unit {
  let section = '';
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    const head = /^\[([^\]]+)\]$/.exec(line);
    if (head !== null) {
      section = head[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim().split(/\s+/).join(' ');
    if (!into.has(section)) into.set(section, new Map());
    const keys = into.get(section)!;
    keys.set(key, value === '' ? [] : [...(keys.get(key) ?? []), value]);
  }
  return into;
}

export const values = (u: Unit, section: string, key: string) => u.get(section)?.get(key) ?? [];

/** systemd's boolean spellings (parse_boolean); anything else is no boolean. */
function unitBoolean(v: string): boolean | undefined {
  const s = v.toLowerCase();
  if (['1', 'yes', 'y', 'true', 't', 'on'].includes(s)) return true;
  if (['0', 'no', 'n', 'false', 'f', 'off'].includes(s)) return false;
  return undefined;
}

/** The value systemd ends with: it logs an invalid assignment and ignores it, so the last valid one counts. */
function lastValid<T>(vs: string[], parse: (v: string) => T | undefined): { raw: string; value: T } | undefined {
  for (let i = vs.length - 1; i >= 0; i--) {
    const value = parse(vs[i]!);
    if (value !== undefined) return { raw: vs[i]!, value };
  }
  return undefined;
}

/** Environment='s words as systemd splits them: whitespace apart, quotes grouping, backslash escaping the next character. */
export function environmentWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i]!;
    } else if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else word = (word ?? '') + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word = word ?? '';
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Environment= assignments after drop-ins, the last of a name winning; a word that is no `NAME=value` is ignored, as systemd ignores it. */
export function environmentAssignments(lines: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of lines.flatMap(environmentWords)) {
    const eq = w.indexOf('=');
    if (eq <= 0 || !ENV_NAME.test(w.slice(0, eq))) continue;
    out.delete(w.slice(0, eq));
    out.set(w.slice(0, eq), w.slice(eq + 1));
  }
  return out;
}

/**
 * The service's environment as systemd builds it — Environment= first, each EnvironmentFile=
 * over it in order — as digests: a value is hashed here and dropped. A `-` file that is not
 * there is skipped; a required one makes the service fail to start, which its entry says.
 */
async function serviceEnvironment(service: Unit, salt: string): Promise<Pick<TimerSettings, 'environment_files' | 'environment' | 'environment_error'>> {
  const env = new Map<string, Required<TimerEnvVar>>();
  for (const [name, value] of environmentAssignments(values(service, 'Service', 'Environment'))) env.set(name, { name, digest: envDigest(salt, value), from: 'Environment=' });
  const files: string[] = [];
  const errors: string[] = [];
  for (const written of values(service, 'Service', 'EnvironmentFile')) {
    const optional = written.startsWith('-');
    const file = optional ? written.slice(1) : written;
    let text: string | undefined;
    try {
      const read = await readSmallFile(file);
      if ('text' in read) text = read.text;
      else errors.push(`${file}: ${read.refused}`);
    } catch (err) {
      if (!ABSENT.has(code(err))) errors.push(`cannot read ${file}: ${code(err)}`);
      else if (!optional) {
        files.push(`${written} (not there: the service does not start)`);
        continue;
      }
    }
    files.push(written);
    if (text === undefined) continue;
    // Its notes name a line, never a value; the collector's caller has no use for them.
    for (const { name = '', digest = '' } of digestEnvText(text, file, salt).facts) {
      env.delete(name);
      env.set(name, { name, digest, from: file });
    }
  }
  return { environment_files: files, environment: [...env.values()].sort((a, b) => a.name.localeCompare(b.name)), environment_error: errors.join('; ') };
}

/**
 * What changes when, as whom and with what a timer's job runs besides its schedule: Persistent=
 * (a run missed while the host was down is made up at boot), RandomizedDelaySec= (spread over
 * that window), AccuracySec= (moved up to that much to batch wake-ups), and the service's User=
 * (root when unset), Group= and environment. `service` undefined: not under the unit directories.
 */
export async function timerSettings(timer: Unit, service: Unit | undefined, salt: string): Promise<TimerSettings> {
  const persistent = lastValid(values(timer, 'Timer', 'Persistent'), unitBoolean)?.value ?? false;
  const delay = lastValid(values(timer, 'Timer', 'RandomizedDelaySec'), timespanMicros)?.raw ?? '0';
  const accuracy = lastValid(values(timer, 'Timer', 'AccuracySec'), timespanMicros)?.raw ?? '1min';
  const settings: TimerSettings = { persistent: persistent ? 'yes' : 'no', randomized_delay_sec: delay, accuracy_sec: accuracy, user: '', group: '' };
  if (service === undefined) return settings;
  const named = values(service, 'Service', 'User').at(-1);
  const dynamic = lastValid(values(service, 'Service', 'DynamicUser'), unitBoolean)?.value ?? false;
  settings.user = named ?? (dynamic ? '(dynamic)' : 'root');
  settings.group = values(service, 'Service', 'Group').at(-1) ?? "(User's group)";
  return { ...settings, ...(await serviceEnvironment(service, salt)) };
}

type Read = { text: string; file: string } | { error: string; file: string } | undefined;

/** The first of `names` found in the first directory holding it (systemd's precedence: the order given). */
async function findUnit(dirs: string[], names: string[]): Promise<Read> {
  for (const dir of dirs) {
    for (const name of names) {
      const file = join(dir, name);
      try {
        // A unit linked to /dev/null is masked: not a unit file.
        if (!(await stat(file)).isFile()) continue;
        const read = await readSmallFile(file);
        return 'text' in read ? { text: read.text, file } : { error: read.refused, file };
      } catch (err) {
        if (ABSENT.has(code(err))) continue;
        return { error: `cannot read: ${code(err)}`, file };
      }
    }
  }
  return undefined;
}

/** `a@b.timer` may be written as the template `a@.timer`. */
function unitNames(name: string): string[] {
  const m = /^([^@]+@)[^.]+(\.[a-z]+)$/.exec(name);
  return m === null ? [name] : [name, `${m[1]}${m[2]}`];
}

/** The unit's drop-ins (`NAME.d/*.conf`) in the order systemd applies them: by file name, an earlier directory's winning. */
async function dropIns(dirs: string[], name: string): Promise<{ texts: string[]; error?: { error: string; file: string } }> {
  const byName = new Map<string, string>();
  for (const dir of dirs) {
    for (const n of unitNames(name)) {
      const d = join(dir, `${n}.d`);
      let entries: string[];
      try {
        entries = await readdir(d);
      } catch (err) {
        if (ABSENT.has(code(err))) continue;
        return { texts: [], error: { error: `cannot read: ${code(err)}`, file: d } };
      }
      for (const e of entries) if (e.endsWith('.conf') && !byName.has(e)) byName.set(e, join(d, e));
    }
  }
  const texts: string[] = [];
  for (const file of [...byName.keys()].sort().map((k) => byName.get(k)!)) {
    try {
      // Never open what is not a file (a FIFO would wait for a writer forever).
      if (!(await stat(file)).isFile()) continue;
      const read = await readSmallFile(file);
      if (!('text' in read)) return { texts: [], error: { error: read.refused, file } };
      texts.push(read.text);
    } catch (err) {
      if (ABSENT.has(code(err))) continue;
      return { texts: [], error: { error: `cannot read: ${code(err)}`, file } };
    }
  }
  return { texts };
}

/** A unit file with its drop-ins applied; undefined when it is not under `dirs`. */
export async function loadUnit(dirs: string[], name: string): Promise<{ unit: Unit; file: string } | { error: string; file: string } | undefined> {
  const found = await findUnit(dirs, unitNames(name));
  if (found === undefined || 'error' in found) return found;
  const extra = await dropIns(dirs, name);
  if (extra.error !== undefined) return extra.error;
  const unit = parseUnit(found.text);
  for (const t of extra.texts) parseUnit(t, unit);
  return { unit, file: found.file };
}

/** Timer names linked from a `*.wants` directory under `dirs`: enabled ones. */
async function enabledTimers(dirs: string[], facts: Required<TimerFacts>): Promise<string[] | undefined> {
  const names = new Set<string>();
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch (err) {
      if (ABSENT.has(code(err))) continue;
      facts.unreadable.push({ name: '', file: dir, error: `cannot read: ${code(err)}` });
      return undefined;
    }
    facts.dirs.push(dir);
    for (const wants of entries.filter((e) => e.endsWith('.wants')).sort()) {
      let linked: string[];
      try {
        linked = await readdir(join(dir, wants));
      } catch (err) {
        if (ABSENT.has(code(err))) continue;
        // Which timers are enabled is unknown: all of them are.
        facts.unreadable.push({ name: '', file: join(dir, wants), error: `cannot read: ${code(err)}` });
        return undefined;
      }
      for (const l of linked) if (l.endsWith('.timer')) names.add(l);
    }
  }
  return [...names].sort();
}

/** The enabled timers whose unit files are under `dirs`: schedule, settings and a digest of the service's ExecStart lines. */
export async function collectTimerFacts(dirs: string[], salt: string): Promise<Collected<TimerFacts>> {
  const facts: Required<TimerFacts> = { dirs: [], timers: [], unreadable: [] };
  if (salt === '') {
    facts.unreadable.push({ name: '', file: '', error: 'no salt was sent to digest commands with' });
    return { facts, notes: ['systemd timers: no salt was sent to digest commands with'] };
  }
  const unique = [...new Set(dirs)];
  for (const unitName of (await enabledTimers(unique, facts)) ?? []) {
    const name = unitName.slice(0, -'.timer'.length);
    const timer = await loadUnit(unique, unitName);
    // Enabled, but its unit is a package's (/lib): not the admin's.
    if (timer === undefined) continue;
    if ('error' in timer) {
      facts.unreadable.push({ name, ...timer });
      continue;
    }
    const schedule = [...(timer.unit.get('Timer') ?? [])].filter(([k]) => SCHEDULE_KEYS.has(k)).flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`));
    const service = values(timer.unit, 'Timer', 'Unit').at(-1) ?? `${name}.service`;
    const unit = await loadUnit(unique, service);
    if (unit !== undefined && 'error' in unit) {
      facts.unreadable.push({ name, ...unit });
      continue;
    }
    const digest = unit === undefined ? '' : envDigest(salt, values(unit.unit, 'Service', 'ExecStart').join('\n'));
    facts.timers.push({ name, schedule, service, service_digest: digest, file: timer.file, settings: await timerSettings(timer.unit, unit?.unit, salt) });
  }
  const notes = facts.unreadable.map((u) => `systemd timers: ${u.file}: ${u.error}`);
  return { facts, notes };
}
