// Scheduled jobs: a site whose staging host runs `*/5 * * * * php cron.php` and whose new host
// lacks the line loses its scheduled work silently after the cutover. A command may hold a secret
// (`mysqldump -pSECRET`, `curl -u user:pass`): it is read, hashed and dropped here, as env values
// are, and only its program name travels. Nothing returned, noted or thrown contains command text.
import { basename, join } from 'node:path';
import type { CronEntry } from '../../shared/proto-gen/switchyard/v1/CronEntry.js';
import type { CronEnvVar } from '../../shared/proto-gen/switchyard/v1/CronEnvVar.js';
import type { CronFacts } from '../../shared/proto-gen/switchyard/v1/CronFacts.js';
import type { CronUnreadable } from '../../shared/proto-gen/switchyard/v1/CronUnreadable.js';
import type { Collected } from './collected.js';
import { agentUser, envDigest } from './env.js';
import { errorMessage, findOnPath, runTool, type ToolEnv } from './exec.js';
import { expandGlob } from './glob.js';
import { readSmallFile } from './small-file.js';

/** System crontabs: a user column before each command. */
export const DEFAULT_CRON_FILES = ['/etc/crontab', '/etc/cron.d/*'];
/** Users' own crontabs: Debian and Alpine, then RHEL. */
export const DEFAULT_CRON_SPOOL = ['/var/spool/cron/crontabs', '/var/spool/cron'];

export interface CronSources {
  files: string[];
  users: string[];
  spoolDirs: string[];
}

/** Names cron itself passes over in /etc/cron.d: editor and package-manager leftovers (dot files the glob skips). */
const IGNORED_FILE = /~$|\.dpkg-[a-z]+$|\.rpm(?:save|orig|new)$|\.swp$/;

const ALIASES = new Set(['@reboot', '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
/** Month and weekday names a time field may use. */
const NAMES = 'jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat';
/** One element of a time field's list: `*`, a number or name, a range, a step (cronie adds `?`, `L`, `W`, `#`). */
const TIME_ELEMENT = new RegExp(`^(?:\\*|\\?|L|\\d+[LW]?(?:#\\d)?|${NAMES})(?:-(?:\\d+|${NAMES}))?(?:/\\d+)?$`, 'i');
const isTimeField = (f: string) => f.split(',').every((e) => TIME_ELEMENT.test(e));
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;
/**
 * A user name as cron looks it up (getpwnam): letters, digits, `_.@-`, a trailing `$` (Samba). A
 * system crontab's line without its user column has the command's first word there, which may be
 * `TOKEN=secret` or a path: cron runs no such job ("ORPHAN"), and the word is never shown.
 */
const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}\$?$/;
/** A program name safe to show: nothing that could be part of a secret slipped into the first word. */
const SHOWN_PROGRAM = /^(?:\[|[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63})$/;

/** One job as parsed, command still in it: never leaves this module. */
interface ParsedEntry {
  user: string;
  schedule: string;
  command: string;
  line: number;
}

interface ParsedCrontab {
  entries: ParsedEntry[];
  /** Values of each NAME=value, in file order. */
  env: Map<string, string[]>;
}

/** The first shell word, quotes honoured, so `PASS="a b" php` never yields `b"` as a program. */
function shellWords(text: string, max: number): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < text.length && words.length < max) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    let raw = '';
    while (i < text.length && !/\s/.test(text[i]!)) {
      const c = text[i]!;
      if (c === "'" || c === '"') {
        const end = text.indexOf(c, i + 1);
        const stop = end < 0 ? text.length : end + 1;
        raw += text.slice(i, stop);
        i = stop;
      } else if (c === '\\' && i + 1 < text.length) {
        raw += text.slice(i, i + 2);
        i += 2;
      } else {
        raw += c;
        i++;
      }
    }
    words.push(raw);
  }
  return words;
}

/** The command proper: cron turns the first unescaped `%` into the end of it (the rest is stdin). */
function commandPart(command: string): string {
  const m = /(?<!\\)%/.exec(command);
  return m === null ? command : command.slice(0, m.index);
}

/**
 * The program a command runs, for display: its first word after `NAME=value` prefixes, unquoted,
 * basename. `?` when that is no plain name (a subshell, a redirection, anything odd).
 */
export function cronProgram(command: string): string {
  const words = shellWords(commandPart(command), 32);
  const first = words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
  if (first === undefined) return '?';
  const unquoted = first.replace(/^(['"])(.*)\1$/, '$2');
  const name = basename(unquoted);
  return SHOWN_PROGRAM.test(name) ? name : '?';
}

/**
 * Crontab text as cron reads it. `owner` set: a user's crontab (`MIN HOUR DOM MON DOW command`);
 * unset: a system crontab with a user column (`MIN HOUR DOM MON DOW user command`). Notes give the
 * line number, never the line: it may hold a secret.
 */
export function parseCrontab(text: string, file: string, owner?: string): Collected<ParsedCrontab> {
  const entries: ParsedEntry[] = [];
  const env = new Map<string, string[]>();
  const notes: string[] = [];
  text.replace(/\r\n?/g, '\n').split('\n').forEach((raw, i) => {
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    const skip = (why: string) => notes.push(`cron: ${file}:${i + 1}: ${why}, skipped`);
    const assignment = ASSIGNMENT.exec(t);
    if (assignment !== null) {
      const [, name, value] = assignment as unknown as [string, string, string];
      // cron strips one pair of matching quotes around the value.
      const v = /^(['"])(.*)\1$/.exec(value)?.[2] ?? value;
      env.set(name, [...(env.get(name) ?? []), v]);
      return;
    }
    let schedule: string;
    let rest: string;
    if (t.startsWith('@')) {
      const m = /^(@\S+)\s*(.*)$/.exec(t)!;
      if (!ALIASES.has(m[1]!.toLowerCase())) return void skip(`unknown schedule ${JSON.stringify(m[1]!.slice(0, 16))}`);
      schedule = m[1]!.toLowerCase();
      rest = m[2]!;
    } else {
      const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*(.*)$/.exec(t);
      if (m === null || !m.slice(1, 6).every(isTimeField)) return void skip('not a cron entry');
      schedule = m.slice(1, 6).join(' ');
      rest = m[6]!;
    }
    let user = owner;
    if (user === undefined) {
      const m = /^(\S+)\s*(.*)$/.exec(rest);
      if (m === null) return void skip('no user');
      if (!USER_NAME.test(m[1]!)) return void skip('no user name in the user column (a user crontab\'s line in a system crontab?)');
      user = m[1]!;
      rest = m[2]!;
    }
    const command = rest.trim();
    if (command === '') return void skip('no command');
    entries.push({ user, schedule, command, line: i + 1 });
  });
  return { facts: { entries, env }, notes };
}

function digested(parsed: ParsedCrontab, file: string, owner: string, salt: string): { entries: CronEntry[]; env: CronEnvVar[] } {
  return {
    entries: parsed.entries.map((e) => ({ user: e.user, schedule: e.schedule, program: cronProgram(e.command), digest: envDigest(salt, e.command), file, line: e.line })),
    // Set twice, the jobs between see one value and those after another: all of them count.
    env: [...parsed.env].map(([name, values]) => ({ file, user: owner, name, digest: envDigest(salt, values.join('\n')) })),
  };
}

const ABSENT = new Set(['ENOENT', 'ENOTDIR']);
const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'error';

type UserCrontab = { text: string; file: string } | { unreadable: CronUnreadable } | undefined;

/**
 * A user's crontab from the spool directories; none there is a user without one. A spool the agent
 * may not read (Debian's crontabs/ is root's and group crontab's) is unknown, not empty — except
 * for the agent's own user, whose `crontab -l` (setgid crontab) reads it.
 */
async function readUserCrontab(user: string, spoolDirs: string[], me: string, tools: ToolEnv | undefined): Promise<UserCrontab> {
  let denied: { path: string; code: string } | undefined;
  for (const dir of spoolDirs) {
    const path = join(dir, user);
    try {
      const read = await readSmallFile(path);
      if ('text' in read) return { text: read.text, file: path };
      if (read.directory) continue;
      // cron itself passes over a crontab that is not a regular file or is this large: unknown, not empty.
      return { unreadable: { file: path, user, error: read.refused } };
    } catch (err) {
      if (ABSENT.has(code(err)) || code(err) === 'EISDIR') continue;
      denied ??= { path, code: code(err) };
    }
  }
  if (denied === undefined) return undefined;
  if (user === me) {
    const crontab = await findOnPath('crontab', tools);
    if (crontab !== undefined) {
      try {
        return { text: (await runTool(crontab, ['-l'], tools)).stdout, file: 'crontab -l' };
      } catch (err) {
        if (/no crontab for/i.test(errorMessage(err))) return undefined;
        return { unreadable: { file: 'crontab -l', user, error: errorMessage(err) } };
      }
    }
  }
  const advice = user === me ? ' (and no crontab command to ask)' : ` — the agent reads as ${me}; run it as root to read ${user}'s crontab`;
  return { unreadable: { file: denied.path, user, error: `cannot read: ${denied.code}${advice}` } };
}

/** The jobs of the system crontabs matching `sources.files` and of `sources.users`' own crontabs. */
export async function collectCronFacts(sources: CronSources, salt: string, tools?: ToolEnv, me = agentUser()): Promise<Collected<CronFacts>> {
  const facts: Required<CronFacts> = { files: [], entries: [], env: [], unreadable: [] };
  if (salt === '') {
    // Unsalted digests of short commands are found by trying every short string.
    facts.unreadable.push({ file: '', user: '', error: 'no salt was sent to digest commands with' });
    return { facts, notes: ['cron: no salt was sent to digest commands with'] };
  }
  const notes: string[] = [];
  const system: string[] = [];
  for (const pattern of sources.files) {
    const found = await expandGlob(pattern);
    // A crontab that is not there is a host without those jobs, which the other side's rows show.
    for (const e of found.errors) if (!ABSENT.has(e.code)) facts.unreadable.push({ file: e.path, user: '', error: `cannot read: ${e.code}` });
    for (const f of found.files) if (!system.includes(f) && !IGNORED_FILE.test(basename(f))) system.push(f);
  }
  for (const file of system) {
    let text: string;
    try {
      const read = await readSmallFile(file);
      if (!('text' in read)) {
        facts.unreadable.push({ file, user: '', error: read.refused });
        continue;
      }
      text = read.text;
    } catch (err) {
      if (!ABSENT.has(code(err))) facts.unreadable.push({ file, user: '', error: `cannot read: ${code(err)}` });
      continue;
    }
    facts.files.push(file);
    const parsed = parseCrontab(text, file);
    const d = digested(parsed.facts, file, '', salt);
    facts.entries.push(...d.entries);
    facts.env.push(...d.env);
    notes.push(...parsed.notes);
  }
  for (const user of [...new Set(sources.users)]) {
    const found = await readUserCrontab(user, sources.spoolDirs, me, tools);
    if (found === undefined) continue;
    if ('unreadable' in found) {
      facts.unreadable.push(found.unreadable);
      continue;
    }
    facts.files.push(found.file);
    const parsed = parseCrontab(found.text, found.file, user);
    const d = digested(parsed.facts, found.file, user, salt);
    facts.entries.push(...d.entries);
    facts.env.push(...d.env);
    notes.push(...parsed.notes);
  }
  for (const u of facts.unreadable) notes.push(`cron: ${u.user === '' ? u.file : `crontab of ${u.user} (${u.file})`}: ${u.error}`);
  return { facts, notes };
}
