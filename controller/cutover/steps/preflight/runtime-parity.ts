// Runtime parity: versions, modules, key server variables and env value digests of the two
// agents must match, apart from the keys the plan allows to differ. What a side could not read
// and software one side lacks are told as such, naming the host and what to do, so nobody hunts
// forty "module absent" rows that are one failed command or one missing package.
import { EVIDENCE_KEYS } from '../../executor.js';
import { compareRuntimeFacts, envFilesUnread, samePatchLine, type EnvFileUnread } from '../../../parity/runtime.js';
import type { ParityRow, ParityTable } from '../../../../shared/parity.js';
import { fail, pass, type PreflightCheck } from './types.js';
import type { Plan } from '../../plan.js';
import type { VhostHosts } from '../../../parity/vhost.js';

// TLS rows are keyed by host name, and staging and production serve different names, so they
// never line up here; the TLS check pairs the two origins' certificates instead.
const JUDGED_ELSEWHERE = new Set(['tls']);

/** Software whose rows share a prefix, with the agent config key that points at it. */
const SOFTWARE: Array<{ prefix: string; name: string; configKey: string }> = [
  { prefix: 'php.', name: 'PHP', configKey: 'binaries.php' },
  { prefix: 'nginx.', name: 'nginx', configKey: 'binaries.nginx' },
  { prefix: 'apache.', name: 'Apache', configKey: 'binaries.apache' },
  { prefix: 'mysql.', name: 'a database', configKey: 'database' },
];

const MAX_SHOWN = 10;

function list(items: string[]): string {
  return `${items.slice(0, MAX_SHOWN).join(', ')}${items.length > MAX_SHOWN ? `, … (${items.length} in all)` : ''}`;
}

/** One finding per software one side has and the other does not, replacing its one-sided rows. */
function oneSidedSoftware(table: ParityTable, rows: ParityRow[]): { problems: string[]; covered: Set<ParityRow> } {
  const problems: string[] = [];
  const covered = new Set<ParityRow>();
  for (const sw of SOFTWARE) {
    const anchor = rows.find((r) => r.key === (sw.prefix === 'mysql.' ? 'mysql.reachable' : `${sw.prefix}version`) && r.status === 'missing');
    if (anchor === undefined) continue;
    const lacking = anchor.production === null ? table.production : table.staging;
    const having = anchor.production === null ? table.staging : table.production;
    const theirs = rows.filter((r) => r.key.startsWith(sw.prefix) && r.status === 'missing');
    for (const r of theirs) covered.add(r);
    if (sw.prefix === 'mysql.') {
      problems.push(`no database is configured on ${lacking}'s agent (${having} has one) — set \`database\` in ${lacking}'s agent config, or list mysql.* in checks.allowDiffer if the site does not use it`);
      continue;
    }
    const version = (anchor.production ?? anchor.staging)!;
    const modules = theirs.filter((r) => r.key.includes('.module.')).map((r) => r.key.slice(r.key.indexOf('.module.') + 8));
    problems.push(
      `${sw.name} is not installed on ${lacking} (${having} has ${version}${modules.length > 0 ? ` with modules ${list(modules)}` : ''}) — install it there, set ${sw.configKey} in ${lacking}'s agent config if it is not on the agent's PATH, or list ${sw.prefix}* in checks.allowDiffer if the site does not use it`,
    );
  }
  return { problems, covered };
}


type Unreadable = NonNullable<ParityTable['unreadable']>[number];

/**
 * What to do about a source a side could not read. An env file is there and only needs reading
 * (by the agent's user, without opening it to everyone), or is not where the config says: nothing
 * to install.
 */
function unreadableAdvice(u: Unreadable, envFiles: EnvFileUnread[]): string {
  const env = envFiles.find((e) => u.what === `env file ${e.file}`);
  const told = `could not read ${u.what} on ${u.agent}: ${u.error}`;
  if (u.what.startsWith('crontab of ') || u.what.startsWith('cron jobs')) {
    // Nothing to install: the agent lacks the rights to a crontab, or predates cron facts.
    if (/upgrade it$/.test(u.error)) return `${told}, then run preflight again`;
    return `${told} — let the agent read it (another user's crontab needs root; cron.files and cron.users in ${u.agent}'s agent config say what is read) and run preflight again`;
  }
  if (u.what.startsWith('nginx server block for ')) {
    if (/upgrade it$/.test(u.error)) return `${told}, then run preflight again`;
    const host = u.what.slice('nginx server block for '.length);
    if (u.error.startsWith('no server block has server_name')) {
      return `${told} — give the site's server block on ${u.agent} a server_name of ${host} (the plan's origin host there), or correct the plan's origin, and run preflight again`;
    }
    if (u.error.startsWith('cannot tell whether server_name')) {
      // nginx tries a plain name before any regex: naming the host settles which block serves it.
      return `${told} — give the site's server block on ${u.agent} a server_name of ${host} as a plain name (nginx tries those before any regex), or write the regex without that construct, and run preflight again`;
    }
    // nginx -T failed: it reads every file nginx reads, certificate keys included.
    return `${told} — let the agent's user run \`nginx -T\` on ${u.agent} (it must read every file nginx reads, certificate keys included; binaries.nginx in its agent config says which nginx), and run preflight again`;
  }
  if (u.what.startsWith('nginx ')) return `${told} — let the agent's user read it on ${u.agent} and run preflight again`;
  if (u.what.startsWith('cron script') || u.what.startsWith('systemd timer')) {
    if (/upgrade it$/.test(u.error)) return `${told}, then run preflight again`;
    const key = u.what.startsWith('cron') ? 'cron.partsDirs' : 'cron.timerDirs';
    return `${told} — let the agent read it (run-parts and systemd run these as root; ${key} in ${u.agent}'s agent config says what is read) and run preflight again`;
  }
  if (env === undefined) return `${told} — make it answer on that host (install it, fix its configuration, or let the agent's user run it) and run preflight again`;
  if (env.code === 'ENOENT' || env.code === 'ENOTDIR') return `${told} — there is no such file on ${u.agent}: correct envFiles in ${u.agent}'s agent config (or put the file there) and run preflight again`;
  if (env.code === 'EISDIR') return `${told} — that is a directory on ${u.agent}: point envFiles in ${u.agent}'s agent config at the dotenv file and run preflight again`;
  // An agent older than the field does not say who it reads as.
  const who = env.user === '' ? "the agent's user" : `the agent's user (${env.user})`;
  const acl = env.user === '' ? '<agent user>' : env.user.replace(/^uid /, '');
  return `${told} — make ${env.file} readable by ${who} on ${u.agent}, not by everyone: an ACL (\`setfacl -m u:${acl}:r ${env.file}\`), or a group that user is in (\`chgrp GROUP ${env.file} && chmod g+r ${env.file}\`), with its directories searchable by that user; then run preflight again`;
}

/** What to list in checks.allowDiffer for this row: env rows by variable name, the rest by key. */
function allowKey(key: string): string {
  const env = /^env\..*:([^:]+)$/.exec(key);
  return env === null ? key : `ENV:${env[1]}`;
}

/** The ports an origin is asked on: its own, and 80 beside https (the redirect to it). */
function originPorts(origin: string): string[] {
  const url = new URL(origin);
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  return url.protocol === 'https:' && port !== '80' ? [port, '80'] : [port];
}

/** Each side's origin host, address and ports, whose nginx server blocks are compared. */
export function planVhostHosts(plan: Plan): VhostHosts {
  return {
    staging: new URL(plan.staging.origin).hostname,
    production: new URL(plan.production.origin).hostname,
    addresses: { staging: plan.staging.ip, production: plan.production.ip },
    ports: { staging: originPorts(plan.staging.origin), production: originPorts(plan.production.origin) },
  };
}

/** The facts come from the preflight's shared fetch: one per agent, salted for this preflight alone. */
export function runtimeParityCheck(): PreflightCheck {
  return async ({ step, facts, setEvidence }) => {
    const { plan } = step;
    const [s, p] = await Promise.all([facts('staging'), facts('production')]);
    const hosts = planVhostHosts(plan);
    const table = compareRuntimeFacts(s, p, { stagingName: plan.staging.agent, productionName: plan.production.agent, allowDiffer: plan.checks.allowDiffer ?? [], hosts });
    setEvidence(EVIDENCE_KEYS.runtimeParity, table);
    const judged = table.rows.filter((r) => !JUDGED_ELSEWHERE.has(r.category));
    const unknown = judged.filter((r) => r.unreadable === true);
    const { problems: software, covered } = oneSidedSoftware(table, judged);
    const bad = judged.filter((r) => r.status === 'differs' && r.unreadable !== true);
    const oneSided = judged.filter((r) => r.status === 'missing' && !covered.has(r));
    const envFiles = { staging: envFilesUnread(s), production: envFilesUnread(p) };
    const unreadable = (table.unreadable ?? []).map((u) => unreadableAdvice(u, envFiles[u.side]));
    if (bad.length === 0 && oneSided.length === 0 && unknown.length === 0 && software.length === 0) {
      return [pass('runtime parity', `${table.summary.equal} equal, ${table.summary.allowed} allowed to differ`, { summary: table.summary })];
    }
    const parts = [...unreadable, ...software];
    if (bad.length > 0) {
      const shown = bad.slice(0, MAX_SHOWN).map((r) => `${r.key}: ${r.staging ?? 'absent'} ≠ ${r.production ?? 'absent'}`);
      const patchOnly = bad.filter((r) => r.key.endsWith('.version') && samePatchLine(r.staging, r.production)).map((r) => `${r.key}~patch`);
      parts.push(
        `${bad.length} difference(s) between ${plan.staging.agent} and ${plan.production.agent}: ${shown.join('; ')}${bad.length > MAX_SHOWN ? '; …' : ''} — fix production, or list the key in checks.allowDiffer if the difference is meant${patchOnly.length > 0 ? ` (${patchOnly.join(', ')} allows a patch release only)` : ''}`,
      );
    }
    if (oneSided.length > 0) {
      const shown = oneSided.slice(0, MAX_SHOWN).map((r) => `${r.key} (${r.production === null ? `${plan.staging.agent} only` : `${plan.production.agent} only`})`);
      const allow = [...new Set(oneSided.map((r) => allowKey(r.key)))];
      parts.push(
        `${oneSided.length} key(s) on one side only: ${shown.join(', ')}${oneSided.length > MAX_SHOWN ? ', …' : ''} — add what is lacking, or list ${list(allow)} in checks.allowDiffer to accept ${oneSided.length === 1 ? 'it' : 'them'} on one side only`,
      );
    }
    return [fail('runtime parity', parts.join(' · '), { summary: table.summary, rows: [...unknown, ...bad, ...oneSided, ...covered], unreadable: table.unreadable ?? [] })];
  };
}
