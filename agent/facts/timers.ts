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
import { timespanMicros } from '../../shared/systemd-timespan.js';
import type { Collected } from './collected.js';
import { envDigest } from './env.js';

export const DEFAULT_TIMER_DIRS = ['/etc/systemd/system'];

/** The [Timer] settings that say when it fires. */
const SCHEDULE_KEYS = new Set(['OnActiveSec', 'OnBootSec', 'OnStartupSec', 'OnUnitActiveSec', 'OnUnitInactiveSec', 'OnCalendar', 'OnClockChange', 'OnTimezoneChange']);

const ABSENT = new Set(['ENOENT', 'ENOTDIR']);
const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'error';

/** `[Section]` → `Key` → values in order; an empty assignment (`OnCalendar=`) clears the list, as systemd does. */
type Unit = Map<string, Map<string, string[]>>;

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

const values = (u: Unit, section: string, key: string) => u.get(section)?.get(key) ?? [];

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

/**
 * What changes when and as whom a timer's job runs besides its schedule: Persistent= (a run missed
 * while the host was down is made up at boot), RandomizedDelaySec= (spread over that window) and
 * the service's User= (root when unset). `service` undefined: not under the unit directories.
 */
export function timerSettings(timer: Unit, service: Unit | undefined): TimerSettings {
  const persistent = lastValid(values(timer, 'Timer', 'Persistent'), unitBoolean)?.value ?? false;
  const delay = lastValid(values(timer, 'Timer', 'RandomizedDelaySec'), timespanMicros)?.raw ?? '0';
  let user = '';
  if (service !== undefined) {
    const named = values(service, 'Service', 'User').at(-1);
    const dynamic = lastValid(values(service, 'Service', 'DynamicUser'), unitBoolean)?.value ?? false;
    user = named ?? (dynamic ? '(dynamic)' : 'root');
  }
  return { persistent: persistent ? 'yes' : 'no', randomized_delay_sec: delay, user };
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
async function loadUnit(dirs: string[], name: string): Promise<{ unit: Unit; file: string } | { error: string; file: string } | undefined> {
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
    facts.timers.push({ name, schedule, service, service_digest: digest, file: timer.file, settings: timerSettings(timer.unit, unit?.unit) });
  }
  const notes = facts.unreadable.map((u) => `systemd timers: ${u.file}: ${u.error}`);
  return { facts, notes };
}
