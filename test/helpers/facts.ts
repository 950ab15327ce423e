// Builders for runtime facts as the controller receives them (Facts__Output), for tests that
// compare or serve facts without an agent.
import type { Facts, Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import { loadProto } from '../../shared/grpc/load.js';
import type { AgentConfig } from '../../agent/config.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A fresh directory for a test's config files, removed after the test. */
export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'switchyard-facts-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `lines` joined by newlines to `path`, making its directory first; returns `path`. */
export function writeLines(path: string, lines: string[]): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, lines.join('\n'));
  return path;
}

/** A directory of shell scripts standing in for php, apache2ctl, nginx…: put it first on PATH. */
export function fakeBin(t: TestContext, scripts: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-fakebin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}


/** A plausible Debian/MariaDB/PHP/nginx host; pass fields to change, whole sections replace. */
/** An agent that found no PHP-FPM php.ini: a pool's unset setting falls back to the CLI's php.ini. */
/** A web server from an agent before server blocks were reported. */
export const NO_VHOSTS = { vhosts: [], vhosts_read: false, vhosts_error: '', vhosts_total: 0, vhosts_site: '' };

export const NO_FPM_INI = { ini_path: '', ini_scan_dir: '', ini_files: [], ini: {}, ini_default: {}, ini_error: '', ini_env: '', serving: '', serving_from: '' };

export function mockFacts(agentName: string, patch: Partial<Facts__Output> = {}): Facts__Output {
  return {
    agent_name: agentName,
    collected_at: '2024-05-01T12:00:00.000Z',
    os: {
      platform: 'linux',
      distro: 'Debian GNU/Linux 12 (bookworm)',
      kernel: '6.1.0-18-amd64',
      arch: 'x64',
      hostname: `${agentName}.example.net`,
      agent_version: '0.1.0',
      node_version: '20.20.2',
    },
    database: {
      configured: true,
      reachable: true,
      error: '',
      version: '10.11.6-MariaDB-0+deb12u1',
      flavor: 'mariadb',
      variables: { sql_mode: 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION', time_zone: 'SYSTEM', max_allowed_packet: '16777216' },
    },
    php: { present: true, binary: '/usr/bin/php', version: '8.2.18', modules: ['core', 'gd', 'mysqli', 'zend opcache'], error: '', ini: { memory_limit: '256M', upload_max_filesize: '64M', 'date.timezone': 'UTC', disable_functions: '' }, ini_error: '', ini_defaults: [], ini_forced: [] },
    web_servers: [{ kind: 'nginx', binary: '/usr/sbin/nginx', version: '1.22.1', modules: ['http_ssl_module', 'http_v2_module'], error: '', ...NO_VHOSTS }],
    env: [],
    env_unreadable: [],
    tls: [],
    disks: [{ root: 'uploads', path: '/srv/www/uploads', free_bytes: '53687091200', total_bytes: '107374182400', error: '' }],
    locale: { lang: 'en_US.UTF-8', lc_all: '', available: ['C', 'C.utf8', 'POSIX', 'en_US.utf8'], error: '' },
    php_fpm: { files: ['/etc/php/8.2/fpm/pool.d/www.conf'], settings: [], unreadable: [], pools: ['www'], env_read: true, ...NO_FPM_INI },
    cron: { files: ['/etc/crontab'], entries: [], env: [], unreadable: [] },
    // No naming rule said: no `cron.parts.naming` row in tests that count rows.
    run_parts: { dirs: ['/etc/cron.daily'], scripts: [], unreadable: [], naming: '', naming_from: '' },
    timers: { dirs: ['/etc/systemd/system'], timers: [], unreadable: [] },
    notes: [],
    ...patch,
  };
}

/** An agent config with every default filled in, for calling collectors directly. */
export function testAgentConfig(patch: Partial<AgentConfig> = {}): AgentConfig {
  return {
    name: 'test-agent',
    listen: { host: '127.0.0.1', port: 0 },
    insecure: true,
    stateFile: ':memory:',
    logLevel: 'silent',
    assets: {},
    envFiles: [],
    tlsHosts: [],
    commands: {},
    binaries: { php: 'php', nginx: 'nginx', apache: 'apache2ctl' },
    // Not this machine's pool files: tests that want some write their own.
    phpFpmPools: [],
    // Nor its crontabs.
    cron: { files: [], users: [], spoolDirs: [], partsDirs: [], timerDirs: [] },
    ...patch,
  };
}

/** A logger that keeps every line it writes, to prove what never reaches a log. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'trace', destination: { write: (s: string) => void lines.push(s) } }), lines };
}

interface FactsCodec {
  responseSerialize(f: Facts): Buffer;
  responseDeserialize(b: Buffer): Facts__Output;
}

/** Facts as the controller receives them: through the real GetFacts protobuf codec. */
export function overTheWire(facts: Facts): Facts__Output {
  const codec = (loadProto() as unknown as { switchyard: { v1: { Agent: { service: { GetFacts: FactsCodec } } } } }).switchyard.v1.Agent.service.GetFacts;
  return codec.responseDeserialize(codec.responseSerialize(facts));
}
