// Runtime parity of what cron.daily and systemd timers run: collected from fixture directories by
// the agent's collectors, sent through the real protobuf codec, compared and judged by preflight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectFacts } from '../../agent/facts/collect.js';
import { envDigest } from '../../agent/facts/env.js';
import { compareRuntimeFacts } from '../../controller/parity/runtime.js';
import { runtimeParityCheck } from '../../controller/cutover/steps/preflight/runtime-parity.js';
import type { PreflightCheckContext } from '../../controller/cutover/steps/preflight.js';
import type { StepContext } from '../../controller/cutover/executor.js';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import { capturingLogger, mockFacts, overTheWire, testAgentConfig } from '../helpers/facts.js';
import { fakePlan } from '../helpers/cutover-fakes.js';

const SALT = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const names = { stagingName: 'staging-1', productionName: 'prod-1' };
const d = (s: string) => envDigest(SALT, s).slice(0, 12);

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-parts-parity-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(path: string, text: string, mode = 0o644): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
}

const BACKUP = '#!/bin/sh\nmysqldump -pS3cret-Backup site > /backup/site.sql\n';
const LOGROTATE = '#!/bin/sh\nlogrotate /etc/logrotate.d/site\n';
const BACKUP_EXEC = '/usr/local/bin/backup --token=S3cret-Exec';
const QUEUE_EXEC = '/usr/bin/php /var/www/site/queue.php';

interface Timer {
  onCalendar: string;
  exec: string;
  /** Extra [Timer] lines (Persistent=true by default). */
  timer?: string;
  /** Extra [Service] lines. */
  service?: string;
}

interface Host {
  partsDirs: string[];
  timerDirs: string[];
  runPartsPaths: string[];
}

/**
 * A host's /etc: cron.daily scripts and the admin's timers, each timer starting a same-name
 * service; its run-parts Debian's compiled one or RHEL's (cronie's) shell script.
 */
function host(root: string, scripts: Record<string, string>, timers: Record<string, Timer>, runParts: 'debian' | 'cronie' = 'debian'): Host {
  for (const [name, text] of Object.entries(scripts)) write(join(root, 'cron.daily', name), text, 0o755);
  mkdirSync(join(root, 'cron.daily'), { recursive: true });
  const sys = join(root, 'systemd/system');
  mkdirSync(join(sys, 'timers.target.wants'), { recursive: true });
  for (const [name, timer] of Object.entries(timers)) {
    write(join(sys, `${name}.timer`), `[Timer]\nOnCalendar=${timer.onCalendar}\n${timer.timer ?? 'Persistent=true\n'}[Install]\nWantedBy=timers.target\n`);
    write(join(sys, `${name}.service`), `[Service]\nType=oneshot\nExecStart=${timer.exec}\n${timer.service ?? ''}`);
    symlinkSync(`../${name}.timer`, join(sys, 'timers.target.wants', `${name}.timer`));
  }
  const runPartsPath = join(root, 'bin/run-parts');
  mkdirSync(join(root, 'bin'));
  writeFileSync(runPartsPath, runParts === 'debian' ? Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]) : '#!/bin/bash\n# Don\'t run *.{rpmsave,rpmorig,rpmnew,swp,cfsaved} scripts\n');
  chmodSync(runPartsPath, 0o755);
  return { partsDirs: [join(root, 'cron.hourly'), join(root, 'cron.daily')], timerDirs: [sys], runPartsPaths: [runPartsPath] };
}

async function factsOf(name: string, { runPartsPaths, ...dirs }: Host): Promise<Facts__Output> {
  const config = testAgentConfig({ name, cron: { files: [], users: [], spoolDirs: [], ...dirs } });
  const { logger, lines } = capturingLogger();
  const facts = overTheWire(await collectFacts(config, SALT, logger, { runPartsPaths }));
  const everything = JSON.stringify(facts) + lines.join('\n');
  for (const secret of ['S3cret-Backup', 'S3cret-Exec', 'queue.php', 'S3cret-Env', 'S3cret-Other', 'S3cret-EnvFile']) assert.ok(!everything.includes(secret), `${secret} leaked`);
  return facts;
}

function judge(staging: Facts__Output, production: Facts__Output, allowDiffer: string[] = []) {
  const plan = fakePlan();
  plan.checks.allowDiffer = allowDiffer;
  const step = { plan, cutover: { id: 'co_test' }, signal: new AbortController().signal, clock: { now: () => new Date() } } as unknown as StepContext;
  const ctx: PreflightCheckContext = { step, facts: async (side) => (side === 'staging' ? staging : production), setEvidence: () => undefined };
  return runtimeParityCheck()(ctx);
}

test('parity: a cron.daily script production lacks is missing, a timer whose OnCalendar differs differs, and preflight fails naming both; daily equals *-*-* 00:00:00', async (t) => {
  const dir = tempDir(t);
  const staging = await factsOf(
    'staging-1',
    host(join(dir, 'staging'), { 'site-backup': BACKUP, 'logrotate-site': LOGROTATE, 'site-backup.sh': BACKUP }, {
      'site-backup': { onCalendar: 'daily', exec: BACKUP_EXEC },
      queue: { onCalendar: '*-*-* 00:00:00', exec: QUEUE_EXEC },
    }),
  );
  const production = await factsOf(
    'prod-1',
    host(join(dir, 'prod'), { 'logrotate-site': LOGROTATE }, {
      'site-backup': { onCalendar: 'weekly', exec: BACKUP_EXEC },
      queue: { onCalendar: 'daily', exec: QUEUE_EXEC },
    }),
  );
  const table = compareRuntimeFacts(staging, production, names);
  const rows = table.rows.filter((r) => r.key.startsWith('cron.parts.') || /^timer\.[^.]+$/.test(r.key));
  assert.deepEqual(
    rows.map((r) => [r.key, r.category, r.staging, r.production, r.status]),
    [
      ['cron.parts.daily:logrotate-site', 'cron', `[${d(LOGROTATE)}]`, `[${d(LOGROTATE)}]`, 'equal'],
      ['cron.parts.daily:site-backup', 'cron', `[${d(BACKUP)}]`, null, 'missing'],
      ['cron.parts.naming', 'cron', `debian (${join(dir, 'staging/bin/run-parts')})`, `debian (${join(dir, 'prod/bin/run-parts')})`, 'equal'],
      ['timer.queue', 'timer', `OnCalendar=*-*-* 00:00:00 → queue.service [${d(QUEUE_EXEC)}]`, `OnCalendar=daily → queue.service [${d(QUEUE_EXEC)}]`, 'equal'],
      ['timer.site-backup', 'timer', `OnCalendar=daily → site-backup.service [${d(BACKUP_EXEC)}]`, `OnCalendar=weekly → site-backup.service [${d(BACKUP_EXEC)}]`, 'differs'],
    ],
  );
  assert.deepEqual(table.unreadable, []);

  const [check] = await judge(staging, production);
  assert.equal(check!.status, 'fail');
  assert.match(check!.message, /timer\.site-backup: OnCalendar=daily → site-backup\.service \[[0-9a-f]{12}\] ≠ OnCalendar=weekly/);
  assert.match(check!.message, /cron\.parts\.daily:site-backup \(staging-1 only\)/);
  assert.equal((await judge(staging, production, ['cron.parts.daily:*', 'timer.site-backup']))[0]!.status, 'pass');
});

test('parity: a script or timers production could not read are unknown there, not missing, and preflight says to let the agent read them; an agent before them is quiet unless staging has some', async (t) => {
  const dir = tempDir(t);
  const collected = await factsOf('staging-1', host(join(dir, 'staging'), { 'site-backup': BACKUP, 'site-backup2': BACKUP }, { queue: { onCalendar: 'hourly', exec: QUEUE_EXEC } }));
  // The rest of both hosts alike, so only these rows are judged.
  const staging = mockFacts('staging-1', { run_parts: collected.run_parts, timers: collected.timers });
  const production = mockFacts('prod-1', {
    run_parts: { dirs: ['/etc/cron.daily'], scripts: [], unreadable: [{ dir: 'daily', name: 'site-backup', file: '/etc/cron.daily/site-backup', error: 'cannot read: EACCES' }], naming: '', naming_from: '' },
    timers: { dirs: [], timers: [], unreadable: [{ name: '', file: '/etc/systemd/system', error: 'cannot read: EACCES' }] },
  });
  const table = compareRuntimeFacts(staging, production, names);
  assert.deepEqual(
    table.rows.filter((r) => r.key.startsWith('cron.parts.') || r.key.startsWith('timer.')).map((r) => [r.key, r.production, r.status, r.unreadable ?? false]),
    [
      // Only the script named is unknown: site-backup2, whose name starts alike, is plainly lacking.
      ['cron.parts.daily:site-backup', 'unknown', 'differs', true],
      ['cron.parts.daily:site-backup2', null, 'missing', false],
      // Informational: a mock agent says no rule.
      ['cron.parts.naming', null, 'allowed', false],
      ['timer.queue', 'unknown', 'differs', true],
      ['timer.queue.AccuracySec', 'unknown', 'differs', true],
      ['timer.queue.EnvironmentFile', 'unknown', 'differs', true],
      ['timer.queue.Group', 'unknown', 'differs', true],
      ['timer.queue.Persistent', 'unknown', 'differs', true],
      ['timer.queue.RandomizedDelaySec', 'unknown', 'differs', true],
      ['timer.queue.User', 'unknown', 'differs', true],
    ],
  );
  assert.deepEqual(table.unreadable, [
    { side: 'production', agent: 'prod-1', what: 'cron script (/etc/cron.daily/site-backup)', error: 'cannot read: EACCES' },
    { side: 'production', agent: 'prod-1', what: 'systemd timers (/etc/systemd/system)', error: 'cannot read: EACCES' },
  ]);
  const [check] = await judge(staging, production);
  assert.equal(check!.status, 'fail');
  assert.match(check!.message, /could not read cron script \(\/etc\/cron\.daily\/site-backup\) on prod-1: cannot read: EACCES — let the agent read it .*cron\.partsDirs/);
  assert.match(check!.message, /could not read systemd timers \(\/etc\/systemd\/system\) on prod-1: cannot read: EACCES — let the agent read it .*cron\.timerDirs/);
  assert.doesNotMatch(check!.message, /install/);

  const old = compareRuntimeFacts(staging, mockFacts('prod-1', { run_parts: null, timers: null }), names);
  assert.equal(old.rows.find((r) => r.key === 'timer.queue')?.unreadable, true);
  assert.deepEqual(old.unreadable?.map((u) => [u.what, u.error]), [
    ['cron scripts', 'not reported by this agent 0.1.0 — upgrade it'],
    ['systemd timers', 'not reported by this agent 0.1.0 — upgrade it'],
  ]);
  assert.deepEqual(compareRuntimeFacts(mockFacts('staging-1', { run_parts: null, timers: null }), mockFacts('prod-1', { run_parts: null, timers: null }), names).unreadable, []);
});

test('parity: a timer\'s Persistent=, RandomizedDelaySec= (10m equals 600) and service User= are rows of their own; a production whose run-parts is RHEL\'s runs backup.sh, which staging\'s Debian one never ran', async (t) => {
  const dir = tempDir(t);
  const staging = await factsOf(
    'staging-1',
    host(join(dir, 'staging'), { 'site-backup': BACKUP, 'site-backup.sh': BACKUP }, {
      'site-backup': { onCalendar: 'daily', exec: BACKUP_EXEC, timer: 'Persistent=yes\nRandomizedDelaySec=10m\n', service: 'User=backup\n' },
      queue: { onCalendar: 'hourly', exec: QUEUE_EXEC, timer: 'RandomizedDelaySec=30\n', service: 'User=www-data\n' },
    }),
  );
  const production = await factsOf(
    'prod-1',
    host(
      join(dir, 'prod'),
      { 'site-backup': BACKUP, 'site-backup.sh': BACKUP },
      {
        // Persistent= lost (a run missed while the host was down is never made up), the delay spelled another way, root instead of backup.
        'site-backup': { onCalendar: 'daily', exec: BACKUP_EXEC, timer: 'RandomizedDelaySec=600\n' },
        queue: { onCalendar: 'hourly', exec: QUEUE_EXEC, timer: 'RandomizedDelaySec=5min\n', service: 'User=www-data\n' },
      },
      'cronie',
    ),
  );
  const table = compareRuntimeFacts(staging, production, names);
  const rows = table.rows.filter((r) => r.key.startsWith('cron.parts.') || /^timer\.[^.]+\./.test(r.key));
  assert.deepEqual(
    rows.map((r) => [r.key, r.staging, r.production, r.status]),
    [
      ['cron.parts.daily:site-backup', `[${d(BACKUP)}]`, `[${d(BACKUP)}]`, 'equal'],
      // Only RHEL's run-parts runs it: the new host does something the old one never did.
      ['cron.parts.daily:site-backup.sh', null, `[${d(BACKUP)}]`, 'missing'],
      ['cron.parts.naming', `debian (${join(dir, 'staging/bin/run-parts')})`, `cronie (${join(dir, 'prod/bin/run-parts')})`, 'allowed'],
      ['timer.queue.AccuracySec', '1min', '1min', 'equal'],
      ['timer.queue.EnvironmentFile', '(none)', '(none)', 'equal'],
      ['timer.queue.Group', "(User's group)", "(User's group)", 'equal'],
      ['timer.queue.Persistent', 'no', 'no', 'equal'],
      ['timer.queue.RandomizedDelaySec', '30', '5min', 'differs'],
      ['timer.queue.User', 'www-data', 'www-data', 'equal'],
      ['timer.site-backup.AccuracySec', '1min', '1min', 'equal'],
      ['timer.site-backup.EnvironmentFile', '(none)', '(none)', 'equal'],
      ['timer.site-backup.Group', "(User's group)", "(User's group)", 'equal'],
      ['timer.site-backup.Persistent', 'yes', 'no', 'differs'],
      ['timer.site-backup.RandomizedDelaySec', '10m', '600', 'equal'],
      ['timer.site-backup.User', 'backup', 'root', 'differs'],
    ],
  );
  assert.equal(table.rows.find((r) => r.key === 'timer.site-backup')?.status, 'equal');
  const [check] = await judge(staging, production);
  assert.equal(check!.status, 'fail');
  assert.match(check!.message, /timer\.site-backup\.Persistent: yes ≠ no/);
  assert.match(check!.message, /timer\.site-backup\.User: backup ≠ root/);
  assert.match(check!.message, /cron\.parts\.daily:site-backup\.sh \(prod-1 only\)/);

  // An agent before the settings: staging's are unknown there, said only because staging has them.
  const old = mockFacts('prod-1', { timers: { ...production.timers!, timers: production.timers!.timers.map((u) => ({ ...u, settings: null })) } });
  const vsOld = compareRuntimeFacts(mockFacts('staging-1', { timers: staging.timers }), old, names);
  assert.deepEqual(
    vsOld.rows.filter((r) => r.key.startsWith('timer.site-backup')).map((r) => [r.key, r.production, r.status, r.unreadable ?? false]),
    [
      ['timer.site-backup', `OnCalendar=daily → site-backup.service [${d(BACKUP_EXEC)}]`, 'equal', false],
      ['timer.site-backup.AccuracySec', 'unknown', 'differs', true],
      ['timer.site-backup.EnvironmentFile', 'unknown', 'differs', true],
      ['timer.site-backup.Group', 'unknown', 'differs', true],
      ['timer.site-backup.Persistent', 'unknown', 'differs', true],
      ['timer.site-backup.RandomizedDelaySec', 'unknown', 'differs', true],
      ['timer.site-backup.User', 'unknown', 'differs', true],
    ],
  );
  assert.deepEqual(vsOld.unreadable?.map((u) => [u.side, u.what, u.error]), [['production', 'systemd timer settings (Persistent=, RandomizedDelaySec=, User=)', 'not reported by this agent 0.1.0 — upgrade it']]);
  const [oldCheck] = await judge(mockFacts('staging-1', { timers: staging.timers }), old);
  assert.match(oldCheck!.message, /systemd timer settings .* upgrade it, then run preflight again/);
  // Neither side with settings: nothing said.
  assert.deepEqual(compareRuntimeFacts(old, old, names).unreadable, []);
});

test('parity: a timer\'s AccuracySec= (60s equals 1min), service Group=, EnvironmentFile= and environment (by digest, never values) are rows; an environment file production cannot read leaves its variables unknown', async (t) => {
  const dir = tempDir(t);
  const stagingEnv = join(dir, 'staging-backup.env');
  write(stagingEnv, 'S3_KEY=S3cret-EnvFile\n');
  const staging = await factsOf(
    'staging-1',
    host(join(dir, 'staging'), {}, {
      'site-backup': { onCalendar: 'daily', exec: BACKUP_EXEC, timer: 'AccuracySec=60s\n', service: `User=backup\nGroup=backup\nEnvironment="DB_PASSWORD=S3cret-Env" MODE=full\nEnvironmentFile=${stagingEnv}\n` },
      queue: { onCalendar: 'hourly', exec: QUEUE_EXEC, service: `EnvironmentFile=-${stagingEnv}\n` },
    }),
  );
  const prodEnv = join(dir, 'prod-backup.env');
  mkdirSync(prodEnv);
  const production = await factsOf(
    'prod-1',
    host(join(dir, 'prod'), {}, {
      // Another database password, the group lost; AccuracySec spelled otherwise.
      'site-backup': { onCalendar: 'daily', exec: BACKUP_EXEC, timer: 'AccuracySec=1min\n', service: `User=backup\nEnvironment="DB_PASSWORD=S3cret-Other" MODE=full\nEnvironmentFile=${stagingEnv}\n` },
      // Its environment file is a directory here: what it sets is unknown.
      queue: { onCalendar: 'hourly', exec: QUEUE_EXEC, service: `EnvironmentFile=-${prodEnv}\n` },
    }),
  );
  const table = compareRuntimeFacts(staging, production, names);
  assert.deepEqual(
    table.rows.filter((r) => /^timer\.[^.]+\.(?:AccuracySec|Group|EnvironmentFile|env\[)/.test(r.key)).map((r) => [r.key, r.staging, r.production, r.status, r.unreadable ?? false]),
    [
      ['timer.queue.AccuracySec', '1min', '1min', 'equal', false],
      ['timer.queue.env[S3_KEY]', d('S3cret-EnvFile'), 'unknown', 'differs', true],
      ['timer.queue.EnvironmentFile', `-${stagingEnv}`, `-${prodEnv} (unknown: ${prodEnv}: a directory, not a file)`, 'differs', true],
      ['timer.queue.Group', "(User's group)", "(User's group)", 'equal', false],
      ['timer.site-backup.AccuracySec', '60s', '1min', 'equal', false],
      ['timer.site-backup.env[DB_PASSWORD]', d('S3cret-Env'), d('S3cret-Other'), 'differs', false],
      ['timer.site-backup.env[MODE]', d('full'), d('full'), 'equal', false],
      ['timer.site-backup.env[S3_KEY]', d('S3cret-EnvFile'), d('S3cret-EnvFile'), 'equal', false],
      ['timer.site-backup.EnvironmentFile', stagingEnv, stagingEnv, 'equal', false],
      ['timer.site-backup.Group', 'backup', "(User's group)", 'differs', false],
    ],
  );
  assert.deepEqual(table.unreadable?.map((u) => [u.side, u.what, u.error]), [['production', 'systemd timer queue: queue.service environment', `${prodEnv}: a directory, not a file`]]);
  const [check] = await judge(staging, production);
  assert.equal(check!.status, 'fail');
  assert.match(check!.message, /timer\.site-backup\.env\[DB_PASSWORD\]/);
  assert.match(check!.message, /timer\.site-backup\.Group: backup ≠ \(User's group\)/);
  assert.ok(!/S3cret/.test(JSON.stringify(table) + check!.message));

  // An agent that reports Persistent= and User= but not these: staging's are unknown there.
  const old = mockFacts('prod-1', { timers: { ...production.timers!, timers: production.timers!.timers.map((u) => ({ ...u, settings: { persistent: u.settings!.persistent, randomized_delay_sec: u.settings!.randomized_delay_sec, user: u.settings!.user, accuracy_sec: '', group: '', environment_files: [], environment: [], environment_error: '' } })) } });
  const vsOld = compareRuntimeFacts(mockFacts('staging-1', { timers: staging.timers }), old, names);
  assert.deepEqual(
    vsOld.rows.filter((r) => r.key.startsWith('timer.site-backup.')).map((r) => [r.key, r.production, r.status]),
    [
      ['timer.site-backup.AccuracySec', 'unknown', 'differs'],
      ['timer.site-backup.env[DB_PASSWORD]', 'unknown', 'differs'],
      ['timer.site-backup.env[MODE]', 'unknown', 'differs'],
      ['timer.site-backup.env[S3_KEY]', 'unknown', 'differs'],
      ['timer.site-backup.EnvironmentFile', 'unknown', 'differs'],
      ['timer.site-backup.Group', 'unknown', 'differs'],
      ['timer.site-backup.Persistent', 'no', 'equal'],
      ['timer.site-backup.RandomizedDelaySec', '0', 'equal'],
      ['timer.site-backup.User', 'backup', 'equal'],
    ],
  );
  assert.deepEqual(vsOld.unreadable?.map((u) => [u.side, u.what, u.error]), [['production', 'systemd timer settings (AccuracySec=, Group=, Environment=, EnvironmentFile=)', 'not reported by this agent 0.1.0 — upgrade it']]);
});

test('parity: a backup.sh an RHEL staging runs is unknown, not missing, on a production whose agent predates the naming rule (it listed Debian\'s names only); a Debian-named script it lacks is still missing', async (t) => {
  const dir = tempDir(t);
  const staging = await factsOf('staging-1', host(join(dir, 'staging'), { 'site-backup.sh': BACKUP, 'logrotate-site': LOGROTATE, 'site-backup': BACKUP }, {}, 'cronie'));
  // What an agent before RunPartsFacts.naming sent from the same files: no naming, Debian's names only, one of them gone.
  const older = staging.run_parts!.scripts.filter((s) => s.name === 'logrotate-site');
  const production = mockFacts('prod-1', { run_parts: { dirs: staging.run_parts!.dirs, scripts: older, unreadable: [], naming: '', naming_from: '' } });
  const table = compareRuntimeFacts(mockFacts('staging-1', { run_parts: staging.run_parts }), production, names);
  assert.deepEqual(
    table.rows.filter((r) => r.key.startsWith('cron.parts.daily:')).map((r) => [r.key, r.production, r.status, r.unreadable ?? false]),
    [
      ['cron.parts.daily:logrotate-site', `[${d(LOGROTATE)}]`, 'equal', false],
      ['cron.parts.daily:site-backup', null, 'missing', false],
      ['cron.parts.daily:site-backup.sh', 'unknown', 'differs', true],
    ],
  );
  assert.deepEqual(table.unreadable?.map((u) => [u.side, u.what]), [['production', "cron scripts named outside Debian's run-parts rule (backup.sh)"]]);
  assert.match(table.unreadable![0]!.error, /upgrade it/);
  // Quiet when the other side has no such script.
  const debianOnly = { ...staging.run_parts!, scripts: staging.run_parts!.scripts.filter((s) => s.name !== 'site-backup.sh') };
  assert.deepEqual(compareRuntimeFacts(mockFacts('staging-1', { run_parts: debianOnly }), production, names).unreadable, []);
});
