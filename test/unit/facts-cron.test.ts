import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectCronFacts, cronProgram, parseCrontab } from '../../agent/facts/cron.js';
import { envDigest } from '../../agent/facts/env.js';
import { SMALL_FILE_CAP } from '../../agent/facts/small-file.js';
import { collectFacts } from '../../agent/facts/collect.js';
import { compareRuntimeFacts, cronSchedule } from '../../controller/parity/runtime.js';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import { capturingLogger, fakeBin, mockFacts, overTheWire, testAgentConfig } from '../helpers/facts.js';

const SALT = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const names = { stagingName: 'staging-1', productionName: 'prod-1' };

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-cron-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

// /etc/crontab format: a user column between the schedule and the command. CRLF line ends.
const SYSTEM = [
  '# /etc/crontab: system-wide crontab',
  'SHELL=/bin/sh',
  'PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"',
  '',
  '17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly',
  '  @daily www-data /usr/bin/php /var/www/site/cron.php',
  '*/5 * * * * www-data DB_PASSWORD="hunter2 two" php -d memory_limit=1G /var/www/site/artisan schedule:run',
  '0 3 * * MON root mysqldump -pS3cr3t-Dump site > /backup/site-$(date +\\%F).sql',
  '@weekly root mail -s report ops%Hello S3cret-Mail%Bye',
  'not a cron line at all with S3cret-Bad',
  '@fortnightly root echo no',
  '* * * * * root',
  'MAILTO=ops@example.com',
  'MAILTO=""',
].join('\r\n');

test('system crontab: user column, @aliases, CRLF, comments and blank lines skipped, NAME=value lines apart; notes give line numbers, never text', () => {
  const { facts, notes } = parseCrontab(SYSTEM, '/etc/crontab');
  assert.deepEqual(
    facts.entries.map((e) => [e.user, e.schedule, cronProgram(e.command), e.line]),
    [
      ['root', '17 * * * *', 'cd', 5],
      ['www-data', '@daily', 'php', 6],
      ['www-data', '*/5 * * * *', 'php', 7],
      ['root', '0 3 * * MON', 'mysqldump', 8],
      ['root', '@weekly', 'mail', 9],
    ],
  );
  assert.equal(facts.entries[1]!.command, '/usr/bin/php /var/www/site/cron.php');
  assert.equal(facts.entries[3]!.command, 'mysqldump -pS3cr3t-Dump site > /backup/site-$(date +\\%F).sql');
  assert.deepEqual([...facts.env], [['SHELL', ['/bin/sh']], ['PATH', ['/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin']], ['MAILTO', ['ops@example.com', '']]]);
  assert.deepEqual(notes, ['cron: /etc/crontab:10: not a cron entry, skipped', 'cron: /etc/crontab:11: unknown schedule "@fortnightly", skipped', 'cron: /etc/crontab:12: no command, skipped']);
});

test('a user crontab has no user column: the first word is the command, the owner the user', () => {
  const line = '*/5 * * * * php /var/www/site/cron.php\n@reboot /usr/local/bin/worker --queue=default\n';
  const own = parseCrontab(line, '/var/spool/cron/crontabs/www-data', 'www-data').facts.entries;
  assert.deepEqual(own.map((e) => [e.user, e.schedule, cronProgram(e.command)]), [['www-data', '*/5 * * * *', 'php'], ['www-data', '@reboot', 'worker']]);
  // Read as a system crontab the same line would run /var/www/site/cron.php as a user named php.
  // A path is no user name: cron runs no such job, and it is skipped.
  const asSystem = parseCrontab(line, '/etc/cron.d/x');
  assert.deepEqual(asSystem.facts.entries.map((e) => [e.user, e.command]), [['php', '/var/www/site/cron.php']]);
  assert.deepEqual(asSystem.notes, ["cron: /etc/cron.d/x:2: no user name in the user column (a user crontab's line in a system crontab?), skipped"]);
});

test('a system crontab line without its user column never puts its first word (TOKEN=secret) in the facts as the user', async (t) => {
  const dir = tempDir(t);
  write(join(dir, 'etc/cron.d/site'), '*/5 * * * * API_TOKEN=S3cret-Token /usr/bin/php /var/www/site/cron.php\n0 1 * * * "S3cret-Quoted" run\n0 2 * * * www-data php ok.php\n');
  const { logger, lines } = capturingLogger();
  const config = testAgentConfig({ cron: { files: [join(dir, 'etc/cron.d/*')], users: [] } });
  const facts = await collectFacts(config, SALT, logger);
  const cron = overTheWire(facts).cron!;
  assert.deepEqual(cron.entries.map((e) => [e.user, e.program, e.line]), [['www-data', 'php', 3]]);
  const everything = JSON.stringify(facts) + lines.join('\n');
  for (const secret of ['S3cret-Token', 'S3cret-Quoted']) assert.ok(!everything.includes(secret), `${secret} leaked`);
  // Nor in the parity rows the controller builds from them.
  const table = compareRuntimeFacts(mockFacts('staging-1', { cron }), mockFacts('prod-1', { cron: { files: [], entries: [], env: [], unreadable: [] } }), names);
  assert.ok(!JSON.stringify(table).includes('S3cret'), 'a secret reached the parity rows');
});

test('program names: first word after NAME=value prefixes, quotes honoured, basename, nothing after an unescaped %; ? for anything not a plain name', () => {
  assert.equal(cronProgram('/usr/bin/php /var/www/cron.php'), 'php');
  assert.equal(cronProgram('PASS="a secret-word" TOKEN=x /opt/bin/sync --all'), 'sync');
  assert.equal(cronProgram("KEY='one two' \"/opt/my app/run.sh\" now"), 'run.sh');
  assert.equal(cronProgram('%sk_live_in_stdin'), '?');
  assert.equal(cronProgram('date +\\%Y-\\%m-\\%d'), 'date');
  assert.equal(cronProgram('( cd /srv && make )'), '?');
  assert.equal(cronProgram('[ -x /usr/lib/php/sessionclean ] && /usr/lib/php/sessionclean'), '[');
  assert.equal(cronProgram('https://user:pa$$@example.com/'), '?');
  assert.equal(cronSchedule('@daily'), cronSchedule('0  0 * * *'));
  assert.equal(cronSchedule('@midnight'), '0 0 * * *');
  assert.equal(cronSchedule('0 3 * * MON'), cronSchedule('0 3 * * mon'));
  assert.notEqual(cronSchedule('@reboot'), cronSchedule('@daily'));
});

test('collected: /etc/crontab-style files by glob and users\' crontabs from the spool, commands as salted digests only; a crontab that is not there is no error', async (t) => {
  const dir = tempDir(t);
  write(join(dir, 'etc/crontab'), SYSTEM);
  write(join(dir, 'etc/cron.d/site'), 'MAILTO=dev@example.com\n*/5 * * * * www-data php /var/www/site/cron.php\n');
  write(join(dir, 'etc/cron.d/site.dpkg-old'), '* * * * * root echo old\n');
  write(join(dir, 'etc/cron.d/.placeholder'), '');
  write(join(dir, 'spool/crontabs/www-data'), 'MAILTO=site@example.com\n30 2 * * * curl -fsS -u admin:S3cret-Curl https://example.com/cron\n');
  const { logger, lines } = capturingLogger();
  const config = testAgentConfig({
    cron: { files: [join(dir, 'etc/crontab'), join(dir, 'etc/cron.d/*'), join(dir, 'etc/absent-crontab')], users: ['www-data', 'nobody', 'www-data'], spoolDirs: [join(dir, 'spool/crontabs'), join(dir, 'spool')], partsDirs: [], timerDirs: [] },
  });
  const facts = await collectFacts(config, SALT, logger);
  const cron = overTheWire(facts).cron!;
  assert.deepEqual(cron.files, [join(dir, 'etc/crontab'), join(dir, 'etc/cron.d/site'), join(dir, 'spool/crontabs/www-data')]);
  assert.deepEqual(cron.unreadable, []);
  assert.deepEqual(
    cron.entries.map((e) => [e.user, e.schedule, e.program, e.file]),
    [
      ['root', '17 * * * *', 'cd', join(dir, 'etc/crontab')],
      ['www-data', '@daily', 'php', join(dir, 'etc/crontab')],
      ['www-data', '*/5 * * * *', 'php', join(dir, 'etc/crontab')],
      ['root', '0 3 * * MON', 'mysqldump', join(dir, 'etc/crontab')],
      ['root', '@weekly', 'mail', join(dir, 'etc/crontab')],
      ['www-data', '*/5 * * * *', 'php', join(dir, 'etc/cron.d/site')],
      ['www-data', '30 2 * * *', 'curl', join(dir, 'spool/crontabs/www-data')],
    ],
  );
  assert.equal(cron.entries[5]!.digest, envDigest(SALT, 'php /var/www/site/cron.php'));
  // The % part is the job's stdin: part of what is compared.
  assert.equal(cron.entries[4]!.digest, envDigest(SALT, 'mail -s report ops%Hello S3cret-Mail%Bye'));
  assert.deepEqual(
    cron.env.map((v) => [v.file, v.user, v.name, v.digest]),
    [
      [join(dir, 'etc/crontab'), '', 'SHELL', envDigest(SALT, '/bin/sh')],
      [join(dir, 'etc/crontab'), '', 'PATH', envDigest(SALT, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin')],
      [join(dir, 'etc/crontab'), '', 'MAILTO', envDigest(SALT, 'ops@example.com\n')],
      [join(dir, 'etc/cron.d/site'), '', 'MAILTO', envDigest(SALT, 'dev@example.com')],
      [join(dir, 'spool/crontabs/www-data'), 'www-data', 'MAILTO', envDigest(SALT, 'site@example.com')],
    ],
  );
  const everything = JSON.stringify(facts) + lines.join('\n');
  for (const secret of ['S3cr3t-Dump', 'hunter2', 'S3cret-Mail', 'S3cret-Bad', 'S3cret-Curl', 'ops@example.com', 'cron.php']) assert.ok(!everything.includes(secret), `${secret} leaked`);
});

test('a crontab the agent may not read is unreadable, naming the user and who the agent reads as; its own user falls back to crontab -l; no salt: all unknown', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'spool'));
  // A symlink loop fails to read as root too (tests run as root, where EACCES cannot be staged).
  symlinkSync('deploy', join(dir, 'spool/deploy'));
  symlinkSync('www-data', join(dir, 'spool/www-data'));
  symlinkSync('cron.d', join(dir, 'cron.d'));
  const sources = { files: [join(dir, 'cron.d/*')], users: ['deploy'], spoolDirs: [join(dir, 'spool')] };
  const denied = await collectCronFacts(sources, SALT, {}, 'www-data');
  assert.deepEqual(denied.facts.entries, []);
  assert.deepEqual(
    denied.facts.unreadable!.map((u) => [u.file, u.user, u.error]),
    [
      [join(dir, 'cron.d'), '', 'cannot read: ELOOP'],
      [join(dir, 'spool/deploy'), 'deploy', "cannot read: ELOOP — the agent reads as www-data; run it as root to read deploy's crontab"],
    ],
  );
  assert.equal(denied.notes.length, 2);

  const bin = fakeBin(t, { crontab: 'test "$1" = -l || exit 2\nprintf "*/10 * * * * php /srv/site/queue.php\\n"' });
  const own = await collectCronFacts({ files: [], users: ['www-data'], spoolDirs: [join(dir, 'spool')] }, SALT, { path: bin }, 'www-data');
  assert.deepEqual(own.facts.unreadable, []);
  assert.deepEqual(own.facts.files, ['crontab -l']);
  assert.deepEqual(own.facts.entries!.map((e) => [e.user, e.schedule, e.program, e.digest]), [['www-data', '*/10 * * * *', 'php', envDigest(SALT, 'php /srv/site/queue.php')]]);
  const none = fakeBin(t, { crontab: 'echo "no crontab for www-data" >&2; exit 1' });
  assert.deepEqual((await collectCronFacts({ files: [], users: ['www-data'], spoolDirs: [join(dir, 'spool')] }, SALT, { path: none }, 'www-data')).facts, { files: [], entries: [], env: [], unreadable: [] });

  const unsalted = await collectCronFacts({ files: [], users: [], spoolDirs: [] }, '');
  assert.deepEqual(unsalted.facts.unreadable, [{ file: '', user: '', error: 'no salt was sent to digest commands with' }]);
});

function withCron(agent: string, crontab: string, user?: string): Facts__Output {
  const file = user === undefined ? '/etc/cron.d/site' : `/var/spool/cron/crontabs/${user}`;
  const parsed = parseCrontab(crontab, file, user).facts;
  return mockFacts(agent, {
    cron: {
      files: [file],
      entries: parsed.entries.map((e) => ({ user: e.user, schedule: e.schedule, program: cronProgram(e.command), digest: envDigest(SALT, e.command), file, line: e.line })),
      env: [...parsed.env].map(([name, values]) => ({ file, user: user ?? '', name, digest: envDigest(SALT, values.join('\n')) })),
      unreadable: [],
    },
  });
}

const STAGING_CRON = [
  'MAILTO=ops@example.com',
  '*/5 * * * * www-data php /var/www/site/wp-cron.php',
  '0 * * * * www-data php /var/www/site/bin/magento indexer:reindex',
  '@daily www-data /usr/local/bin/backup --to s3://bucket',
  '15 3 * * * root /usr/sbin/logrotate /etc/logrotate.conf',
].join('\n');

test('parity: a job production lacks is missing; another schedule or command for the same user and program differs; @daily equals 0 0 * * *; allowDiffer takes the key', () => {
  const staging = withCron('staging-1', STAGING_CRON);
  const production = withCron(
    'prod-1',
    [
      'MAILTO=ops@example.com',
      // wp-cron.php lost; the indexer runs every 15 minutes instead of hourly.
      '*/15 * * * * www-data php /var/www/site/bin/magento indexer:reindex',
      '0 0 * * * www-data /usr/local/bin/backup --to s3://bucket',
      '15 3 * * * root /usr/sbin/logrotate /etc/logrotate.d/site',
    ].join('\n'),
  );
  const table = compareRuntimeFacts(staging, production, names);
  const rows = table.rows.filter((r) => r.category === 'cron');
  const d = (s: string) => envDigest(SALT, s).slice(0, 12);
  assert.deepEqual(
    rows.map((r) => [r.key, r.staging, r.production, r.status]),
    [
      ['cron.env./etc/cron.d/site:MAILTO', d('ops@example.com'), d('ops@example.com'), 'equal'],
      ['cron.job.root:logrotate', `15 3 * * * [${d('/usr/sbin/logrotate /etc/logrotate.conf')}]`, `15 3 * * * [${d('/usr/sbin/logrotate /etc/logrotate.d/site')}]`, 'differs'],
      ['cron.job.www-data:backup', `@daily [${d('/usr/local/bin/backup --to s3://bucket')}]`, `0 0 * * * [${d('/usr/local/bin/backup --to s3://bucket')}]`, 'equal'],
      // Two php jobs: keyed by schedule. Paired by digest: the indexer job's schedule changed (staging's keys it); wp-cron is the one gone.
      ['cron.job.www-data:php@*/5 * * * *', `*/5 * * * * [${d('php /var/www/site/wp-cron.php')}]`, null, 'missing'],
      ['cron.job.www-data:php@0 * * * *', `0 * * * * [${d('php /var/www/site/bin/magento indexer:reindex')}]`, `*/15 * * * * [${d('php /var/www/site/bin/magento indexer:reindex')}]`, 'differs'],
    ],
  );
  assert.ok(!JSON.stringify(table).includes('wp-cron'));
  const allowed = compareRuntimeFacts(staging, production, { ...names, allowDiffer: ['cron.job.www-data:php*', 'cron.job.root:logrotate'] });
  assert.deepEqual(allowed.rows.filter((r) => r.category === 'cron' && r.status !== 'equal').map((r) => r.status), ['allowed', 'allowed', 'allowed']);
  // A job in staging's /etc/cron.d that production has in www-data's own crontab is the same job.
  const moved = withCron('prod-1', STAGING_CRON.split('\n').slice(1, 4).map((l) => l.replace(' www-data ', ' ')).join('\n'), 'www-data');
  const m = compareRuntimeFacts(withCron('staging-1', STAGING_CRON.split('\n').slice(1, 4).join('\n')), moved, names);
  assert.deepEqual(m.rows.filter((r) => r.category === 'cron').map((r) => r.status), ['equal', 'equal', 'equal']);
});

test('parity: removing one of a user\'s jobs of one program is one missing row; the others keep their keys and stay equal, also when staging loses the first', () => {
  const jobs = [
    '*/5 * * * * www-data php /var/www/site/wp-cron.php',
    '0 * * * * www-data php /var/www/site/bin/magento indexer:reindex',
    '30 2 * * * www-data php /var/www/site/bin/magento cache:flush',
    '@reboot www-data php /var/www/site/bin/warm.php',
    // Two jobs of one schedule: numbered among themselves only.
    '* * * * * www-data php /var/www/site/queue-a.php',
    '* * * * * www-data php /var/www/site/queue-b.php',
  ];
  const staging = withCron('staging-1', jobs.join('\n'));
  // Production lacks the first job and the first of the two every-minute ones.
  const production = withCron('prod-1', [jobs[1], jobs[2], jobs[3], jobs[5]].join('\n'));
  const table = compareRuntimeFacts(staging, production, names);
  const rows = table.rows.filter((r) => r.key.startsWith('cron.job.'));
  assert.deepEqual(
    rows.map((r) => [r.key, r.status]).sort(),
    [
      ['cron.job.www-data:php@* * * * *#1', 'missing'],
      ['cron.job.www-data:php@* * * * *#2', 'equal'],
      ['cron.job.www-data:php@*/5 * * * *', 'missing'],
      ['cron.job.www-data:php@0 * * * *', 'equal'],
      ['cron.job.www-data:php@30 2 * * *', 'equal'],
      ['cron.job.www-data:php@reboot', 'equal'],
    ],
  );
  // Keys name schedules, never commands.
  for (const r of rows) assert.doesNotMatch(r.key, /magento|wp-cron|queue|warm/);
  // Once staging loses the first job too, every other key is the one it was: allowDiffer entries and reports still name them.
  const later = compareRuntimeFacts(withCron('staging-1', jobs.slice(1).join('\n')), production, names);
  const keyOf = (t: typeof table, status: string) => t.rows.filter((r) => r.key.startsWith('cron.job.') && r.status === status).map((r) => r.key).sort();
  assert.deepEqual(keyOf(later, 'equal'), keyOf(table, 'equal'));
  assert.deepEqual(keyOf(later, 'missing'), ['cron.job.www-data:php@* * * * *#1']);
});

test('parity: a crontab production could not read is unknown there, not missing; so is all of cron from an agent that could read none; an agent before cron is quiet where neither side has jobs', () => {
  const staging = withCron('staging-1', 'MAILTO=a@example.com\n*/5 * * * * php /var/www/site/cron.php\n', 'www-data');
  const production = mockFacts('prod-1', { cron: { files: [], entries: [], env: [], unreadable: [{ file: '/var/spool/cron/crontabs/www-data', user: 'www-data', error: 'cannot read: EACCES' }] } });
  const table = compareRuntimeFacts(staging, production, names);
  assert.deepEqual(
    table.rows.filter((r) => r.category === 'cron').map((r) => [r.key, r.production, r.status, r.unreadable]),
    [
      ['cron.env.crontab:www-data:MAILTO', 'unknown', 'differs', true],
      ['cron.job.www-data:php', 'unknown', 'differs', true],
    ],
  );
  assert.deepEqual(table.unreadable, [{ side: 'production', agent: 'prod-1', what: 'crontab of www-data (/var/spool/cron/crontabs/www-data)', error: 'cannot read: EACCES' }]);
  // root's jobs are not in www-data's crontab: still missing.
  const rootJob = withCron('staging-1', '@hourly root /usr/bin/true\n');
  assert.equal(compareRuntimeFacts(rootJob, production, names).rows.find((r) => r.key === 'cron.job.root:true')?.status, 'missing');
  const noCron = mockFacts('prod-1', { cron: { files: [], entries: [], env: [], unreadable: [{ file: '/etc/cron.d', user: '', error: 'cannot read: EACCES' }] } });
  assert.equal(compareRuntimeFacts(rootJob, noCron, names).rows.find((r) => r.key === 'cron.job.root:true')?.unreadable, true);
  const old = compareRuntimeFacts(staging, mockFacts('prod-1', { cron: null }), names);
  assert.equal(old.rows.find((r) => r.key === 'cron.job.www-data:php')?.unreadable, true);
  assert.equal(compareRuntimeFacts(mockFacts('staging-1', { cron: null }), mockFacts('prod-1', { cron: null }), names).unreadable?.length, 0);
});

test('a user crontab that is a FIFO or over 1 MiB is unreadable with the reason, never read (a FIFO would hang collection, a huge file fill memory); so is a huge system crontab', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'spool'));
  const fifo = join(dir, 'spool/deploy');
  execFileSync('mkfifo', [fifo]);
  write(join(dir, 'spool/www-data'), `* * * * * php /srv/site/cron.php\n${'#'.repeat(SMALL_FILE_CAP)}\n`);
  write(join(dir, 'cron.d/big'), `* * * * * root php /srv/site/cron.php\n${'#'.repeat(SMALL_FILE_CAP)}\n`);
  const sources = { files: [join(dir, 'cron.d/*')], users: ['deploy', 'www-data'], spoolDirs: [join(dir, 'spool')] };
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), 5000);
  });
  const got = await Promise.race([collectCronFacts(sources, SALT, {}, 'root'), hung]);
  clearTimeout(timer);
  if (got === 'hung') {
    // The reader waits in a blocking open: a writer's open and close give it end of file, so the run can end.
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    assert.fail('reading a FIFO crontab waited for a writer');
  }
  assert.deepEqual(got.facts.entries, []);
  assert.deepEqual(got.facts.files, []);
  assert.deepEqual(
    got.facts.unreadable!.map((u) => [u.file, u.user]),
    [
      [join(dir, 'cron.d/big'), ''],
      [fifo, 'deploy'],
      [join(dir, 'spool/www-data'), 'www-data'],
    ],
  );
  assert.match(got.facts.unreadable![0]!.error!, /over the 1048576-byte limit/);
  assert.match(got.facts.unreadable![1]!.error!, /not a regular file/);
  assert.match(got.facts.unreadable![2]!.error!, /over the 1048576-byte limit/);
  assert.equal(got.notes.length, 3);
});
