// All runtime facts of this host, gathered concurrently. One source failing never fails the
// rest: what could not be gathered becomes an error field or a note, in plain words.
import type { SiteQuery } from '../../shared/nginx-site.js';
import type { AgentConfig } from '../config.js';
import type { Facts } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { Logger } from '../../shared/logger.js';
import type { Collected } from './collected.js';
import { errorMessage, type ToolEnv } from './exec.js';
import { collectOsFacts } from './os.js';
import { collectDatabaseFacts } from './database.js';
import { collectPhpFacts } from './php.js';
import { collectWebServerFacts } from './webserver.js';
import type { WebServerFacts } from '../../shared/proto-gen/switchyard/v1/WebServerFacts.js';
import type { FastcgiPass } from './nginx-vhosts.js';
import { collectEnvFacts, requireEnvSalt, type EnvFacts } from './env.js';
import { collectTlsFacts, TLS_TIMEOUT_MS } from './tls.js';
import { collectDiskFacts } from './disk.js';
import { collectLocaleFacts } from './locale.js';
import { collectFpmFacts, DEFAULT_FPM_POOLS } from './fpm.js';
import { collectFpmIni, fpmIniDefaults } from './fpm-ini.js';
import type { PhpFpmFacts } from '../../shared/proto-gen/switchyard/v1/PhpFpmFacts.js';
import { collectCronFacts, DEFAULT_CRON_FILES, DEFAULT_CRON_SPOOL } from './cron.js';
import type { CronFacts } from '../../shared/proto-gen/switchyard/v1/CronFacts.js';
import { collectRunPartsFacts, DEFAULT_PARTS_DIRS } from './runparts.js';
import type { RunPartsFacts } from '../../shared/proto-gen/switchyard/v1/RunPartsFacts.js';
import { collectTimerFacts, DEFAULT_TIMER_DIRS } from './timers.js';
import type { TimerFacts } from '../../shared/proto-gen/switchyard/v1/TimerFacts.js';

const NO_ENV: EnvFacts = { env: [], unreadable: [] };
// A collector that failed has read nothing: its rows are unknown here, not absent.
const FPM_FAILED: PhpFpmFacts = { files: [], settings: [], unreadable: [{ file: '', pool: '', name: '', error: 'php-fpm collector failed (see notes)' }] };
const CRON_FAILED: CronFacts = { files: [], entries: [], env: [], unreadable: [{ file: '', user: '', error: 'cron collector failed (see notes)' }] };
const PARTS_FAILED: RunPartsFacts = { dirs: [], scripts: [], unreadable: [{ dir: '', name: '', file: '', error: 'cron scripts collector failed (see notes)' }] };
const TIMERS_FAILED: TimerFacts = { dirs: [], timers: [], unreadable: [{ name: '', file: '', error: 'systemd timers collector failed (see notes)' }] };

export interface CollectOptions {
  /** PATH and timeout for php/nginx/apache lookups; tests put fakes first on PATH. */
  tools?: ToolEnv;
  tlsTimeoutMs?: number;
  osReleasePath?: string;
  /** Where LANG and LC_ALL are read from (default: the agent's own environment). */
  localeEnv?: NodeJS.ProcessEnv;
  /** Where cron looks for run-parts, whose kind decides which cron script names run. */
  runPartsPaths?: string[];
  /** The site the request named (GetFactsRequest.site): only its nginx server blocks are sent. */
  site?: SiteQuery;
  /** Where the PHP-FPM service's systemd unit is looked for (default: systemd's own directories). */
  systemdUnitDirs?: string[];
}

async function guarded<T>(source: string, fallback: T, run: () => Promise<Collected<T>>, logger: Logger): Promise<Collected<T>> {
  try {
    return await run();
  } catch (err) {
    const message = errorMessage(err);
    logger.warn({ source, err: message }, 'fact collector failed');
    return { facts: fallback, notes: [`${source}: failed: ${message}`] };
  }
}

/** The pools, and the php.ini of the FPM install their files belong to. */
async function collectFpmWithIni(patterns: string[], salt: string, defaults: boolean, unitDirs: string[] | undefined, web: Promise<Collected<WebServerFacts[]> & { fastcgi?: FastcgiPass }>): Promise<Collected<PhpFpmFacts>> {
  const pools = await collectFpmFacts(patterns, salt, { absentIsEmpty: defaults, fastcgi: (await web).fastcgi });
  // With two installs read, the one serving the site's php.ini.
  const ini = await collectFpmIni(pools.servingFiles ?? pools.facts.files ?? [], unitDirs);
  return { facts: { ...pools.facts, ...ini.facts }, notes: [...pools.notes, ...ini.notes] };
}

/**
 * Rejects only for a bad request: env files are configured and `salt` is empty (SY_VALIDATION,
 * field env_salt). Everything else resolves.
 */
export async function collectFacts(config: AgentConfig, salt: string, logger: Logger, opts: CollectOptions = {}): Promise<Facts> {
  if (config.envFiles.length > 0) requireEnvSalt(salt);
  const started = Date.now();
  const cron = { files: config.cron?.files ?? DEFAULT_CRON_FILES, users: config.cron?.users ?? [], spoolDirs: config.cron?.spoolDirs ?? DEFAULT_CRON_SPOOL };
  // PHP-FPM's collector waits for nginx's: where it passes the site's PHP tells which FPM install serves it.
  const webServers: Promise<Collected<WebServerFacts[]> & { fastcgi?: FastcgiPass }> = guarded('web servers', [], () => collectWebServerFacts(config.binaries, opts.tools, salt, opts.site), logger);
  const [os, database, php, web, env, tls, disks, locale, fpm, jobs, parts, timers] = await Promise.all([
    guarded('os', null, () => collectOsFacts(opts.osReleasePath), logger),
    guarded('database', { configured: config.database !== undefined, reachable: false }, () => collectDatabaseFacts(config.database, logger), logger),
    guarded('php', { present: false }, () => collectPhpFacts(config.binaries.php, opts.tools), logger),
    webServers,
    guarded('env', NO_ENV, () => (config.envFiles.length === 0 ? Promise.resolve({ facts: NO_ENV, notes: [] }) : collectEnvFacts(config.envFiles, salt)), logger),
    guarded('tls', [], () => collectTlsFacts(config.tlsHosts, opts.tlsTimeoutMs ?? TLS_TIMEOUT_MS), logger),
    guarded('disk', [], () => collectDiskFacts(config.assets), logger),
    guarded('locale', { error: 'locale collector failed' }, () => collectLocaleFacts(opts.tools, opts.localeEnv), logger),
    guarded('php-fpm', FPM_FAILED, () => collectFpmWithIni(config.phpFpmPools ?? DEFAULT_FPM_POOLS, salt, config.phpFpmPools === undefined, opts.systemdUnitDirs, webServers), logger),
    guarded('cron', CRON_FAILED, () => collectCronFacts(cron, salt, opts.tools), logger),
    guarded('cron scripts', PARTS_FAILED, () => collectRunPartsFacts(config.cron?.partsDirs ?? DEFAULT_PARTS_DIRS, salt, { runPartsPaths: opts.runPartsPaths, osReleasePath: opts.osReleasePath }), logger),
    guarded('systemd timers', TIMERS_FAILED, () => collectTimerFacts(config.cron?.timerDirs ?? DEFAULT_TIMER_DIRS, salt), logger),
  ]);
  const notes = [os, database, php, web, env, tls, disks, locale, fpm, jobs, parts, timers].flatMap((c) => c.notes);
  logger.debug({ ms: Date.now() - started, notes: notes.length }, 'facts collected');
  return {
    agent_name: config.name,
    collected_at: new Date().toISOString(),
    os: os.facts,
    database: database.facts,
    php: php.facts,
    web_servers: web.facts,
    env: env.facts.env,
    env_unreadable: env.facts.unreadable,
    tls: tls.facts,
    disks: disks.facts,
    locale: locale.facts,
    php_fpm: { ...fpm.facts, ini_default: fpmIniDefaults(fpm.facts, php.facts) },
    cron: jobs.facts,
    run_parts: parts.facts,
    timers: timers.facts,
    notes,
  };
}
