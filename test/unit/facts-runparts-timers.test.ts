import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectRunPartsFacts, PARTS_READ_CAP, partsLabel } from '../../agent/facts/runparts.js';
import { collectTimerFacts, parseUnit } from '../../agent/facts/timers.js';
import { envDigest } from '../../agent/facts/env.js';
import { SMALL_FILE_CAP } from '../../agent/facts/small-file.js';
import { timerSchedule } from '../../controller/parity/runtime.js';
import { timespanMicros } from '../../shared/systemd-timespan.js';

const SALT = 'c0ffee00c0ffee00c0ffee00c0ffee00';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-parts-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(path: string, text: string | Buffer, mode = 0o644): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

const BACKUP = '#!/bin/sh\nmysqldump -pS3cret-Parts site | gzip > /backup/site.sql.gz\n';

test('run-parts: only executable files with run-parts names count, content as a salted digest; a large one by size and mtime; no directory is no error', async (t) => {
  const dir = tempDir(t);
  const daily = join(dir, 'cron.daily');
  write(join(daily, 'site-backup'), BACKUP, 0o755);
  write(join(daily, 'logrotate_2'), '#!/bin/sh\nlogrotate /etc/logrotate.conf\n', 0o700);
  // run-parts skips these on Debian: a dot in the name, no execute bit, a dot file, a directory.
  write(join(daily, 'site-backup.sh'), BACKUP, 0o755);
  write(join(daily, 'site-backup.dpkg-old'), BACKUP, 0o755);
  write(join(daily, 'disabled'), BACKUP, 0o644);
  write(join(daily, '.placeholder'), '', 0o755);
  mkdirSync(join(daily, 'subdir'));
  symlinkSync('site-backup', join(daily, 'linked'));
  symlinkSync('nowhere', join(daily, 'dangling'));
  // Opening a FIFO would wait for a writer forever.
  execFileSync('mkfifo', ['-m', '755', join(daily, 'fifo')]);
  const big = write(join(dir, 'cron.weekly', 'big'), Buffer.alloc(PARTS_READ_CAP + 1, 'x'), 0o755);
  utimesSync(big, new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
  const dirs = [join(dir, 'cron.hourly'), daily, join(dir, 'cron.weekly'), join(dir, 'periodic', 'daily')];
  write(join(dir, 'periodic', 'daily', 'site-backup'), '#!/bin/sh\n', 0o755);

  // Debian's run-parts, whatever host the tests run on.
  const { facts, notes } = await collectRunPartsFacts(dirs, SALT, { runPartsPaths: [fakeRunParts(join(dir, 'deb'), 'elf')] });
  assert.deepEqual(facts.dirs, dirs.slice(1));
  assert.deepEqual(facts.unreadable, []);
  const hmac = (s: string | Buffer) => createHmac('sha256', SALT).update(s).digest('hex');
  assert.deepEqual(
    facts.scripts!.map((s) => [s.dir, s.name, s.digest, s.large]),
    [
      ['daily', 'linked', envDigest(SALT, BACKUP), false],
      ['daily', 'logrotate_2', hmac('#!/bin/sh\nlogrotate /etc/logrotate.conf\n'), false],
      ['daily', 'site-backup', envDigest(SALT, BACKUP), false],
      ['weekly', 'big', hmac(`size ${PARTS_READ_CAP + 1} mtime 2026-01-02T03:04:05.000Z`), true],
      // A second directory of the same name keeps its path as its label.
      [join(dir, 'periodic', 'daily'), 'site-backup', hmac('#!/bin/sh\n'), false],
    ],
  );
  assert.deepEqual(notes, [`cron scripts: ${big}: over ${PARTS_READ_CAP} bytes, compared by size and modification time`]);
  assert.ok(!JSON.stringify(facts).includes('S3cret-Parts'));
  assert.equal(partsLabel('/etc/cron.monthly'), 'monthly');
  assert.equal(partsLabel('/etc/periodic/15min'), '15min');
});

test('run-parts: a directory or script the agent cannot read is unreadable, naming it; no salt: all unknown', async (t) => {
  const dir = tempDir(t);
  // Symlink loops fail to read as root too (tests run as root, where EACCES cannot be staged).
  symlinkSync('cron.weekly', join(dir, 'cron.weekly'));
  write(join(dir, 'cron.daily', 'ok'), '#!/bin/sh\n', 0o755);
  symlinkSync('looped', join(dir, 'cron.daily', 'looped'));
  const { facts, notes } = await collectRunPartsFacts([join(dir, 'cron.daily'), join(dir, 'cron.weekly')], SALT);
  assert.deepEqual(facts.scripts!.map((s) => s.name), ['ok']);
  assert.deepEqual(facts.unreadable, [
    { dir: 'daily', name: 'looped', file: join(dir, 'cron.daily', 'looped'), error: 'cannot read: ELOOP' },
    { dir: 'weekly', name: '', file: join(dir, 'cron.weekly'), error: 'cannot read: ELOOP' },
  ]);
  assert.equal(notes.length, 2);
  const unsalted = await collectRunPartsFacts([join(dir, 'cron.daily')], '');
  assert.deepEqual(unsalted.facts, { dirs: [], scripts: [], unreadable: [{ dir: '', name: '', file: '', error: 'no salt was sent to digest scripts with' }], naming: '', naming_from: '' });
});

test('unit files: sections, continuation lines, comments; an empty assignment clears the list as systemd does', () => {
  const unit = parseUnit('[Timer]\n# OnCalendar=hourly\nOnCalendar = daily\n; x\nOnCalendar=Mon  *-*-* 03:00\n[Service]\nExecStart=/bin/a \\\n  --b\n');
  assert.deepEqual(unit.get('Timer')?.get('OnCalendar'), ['daily', 'Mon *-*-* 03:00']);
  assert.deepEqual(unit.get('Service')?.get('ExecStart'), ['/bin/a --b']);
  parseUnit('[Timer]\nOnCalendar=\nOnCalendar=weekly\n', unit);
  assert.deepEqual(unit.get('Timer')?.get('OnCalendar'), ['weekly']);
  assert.equal(timerSchedule('OnCalendar=daily'), timerSchedule('OnCalendar=*-*-* 00:00:00'));
  assert.notEqual(timerSchedule('OnCalendar=daily'), timerSchedule('OnCalendar=weekly'));
  assert.equal(timerSchedule('OnBootSec=15min'), 'OnBootSec=15min');
});

test('timers: enabled ones (linked from a *.wants directory) whose unit is in the directory, schedule after drop-ins and a digest of the service\'s ExecStart lines', async (t) => {
  const root = tempDir(t);
  const sys = join(root, 'etc/systemd/system');
  write(join(sys, 'site-backup.timer'), '[Unit]\nDescription=Backup\n[Timer]\nOnCalendar=daily\nPersistent=true\n[Install]\nWantedBy=timers.target\n');
  write(join(sys, 'site-backup.timer.d/override.conf'), '[Timer]\nOnCalendar=\nOnCalendar=*-*-* 03:00:00\nRandomizedDelaySec=10m\n');
  write(join(sys, 'site-backup.service'), '[Service]\nType=oneshot\nExecStart=/usr/local/bin/backup --password=S3cret-Timer\nExecStart=/bin/sync\n');
  write(join(sys, 'queue@.timer'), '[Timer]\nOnBootSec=5min\nOnUnitActiveSec=1min\nUnit=worker.service\n');
  write(join(sys, 'worker.service'), '[Service]\nExecStart=/usr/bin/php \\\n  /var/www/site/queue.php\n');
  write(join(sys, 'orphan.timer'), '[Timer]\nOnCalendar=hourly\n');
  write(join(sys, 'disabled.timer'), '[Timer]\nOnCalendar=hourly\n');
  mkdirSync(join(sys, 'timers.target.wants'));
  symlinkSync('../site-backup.timer', join(sys, 'timers.target.wants/site-backup.timer'));
  symlinkSync('../queue@.timer', join(sys, 'timers.target.wants/queue@default.timer'));
  symlinkSync('../orphan.timer', join(sys, 'timers.target.wants/orphan.timer'));
  // A package's timer the admin enabled: its unit is in /lib, not the admin's.
  symlinkSync('/lib/systemd/system/apt-daily.timer', join(sys, 'timers.target.wants/apt-daily.timer'));
  // Masked.
  symlinkSync('/dev/null', join(sys, 'masked.timer'));
  symlinkSync('../masked.timer', join(sys, 'timers.target.wants/masked.timer'));
  mkdirSync(join(sys, 'multi-user.target.wants'));
  symlinkSync('../site-backup.service', join(sys, 'multi-user.target.wants/site-backup.service'));

  const { facts, notes } = await collectTimerFacts([sys, join(root, 'run/systemd/system')], SALT);
  assert.deepEqual(notes, []);
  assert.deepEqual(facts.dirs, [sys]);
  assert.deepEqual(facts.unreadable, []);
  assert.deepEqual(
    facts.timers!.map((u) => [u.name, u.schedule, u.service, u.service_digest]),
    [
      ['orphan', ['OnCalendar=hourly'], 'orphan.service', ''],
      ['queue@default', ['OnBootSec=5min', 'OnUnitActiveSec=1min'], 'worker.service', envDigest(SALT, '/usr/bin/php /var/www/site/queue.php')],
      ['site-backup', ['OnCalendar=*-*-* 03:00:00'], 'site-backup.service', envDigest(SALT, '/usr/local/bin/backup --password=S3cret-Timer\n/bin/sync')],
    ],
  );
  assert.ok(!JSON.stringify(facts).includes('S3cret-Timer'));
});

test('timers: one the agent cannot read is unreadable by name; an unreadable *.wants directory makes all of them unknown; no salt: all unknown', async (t) => {
  const root = tempDir(t);
  const sys = join(root, 'system');
  mkdirSync(join(sys, 'timers.target.wants'), { recursive: true });
  symlinkSync('loop.timer', join(sys, 'loop.timer'));
  symlinkSync('../loop.timer', join(sys, 'timers.target.wants/loop.timer'));
  const one = await collectTimerFacts([sys], SALT);
  assert.deepEqual(one.facts.unreadable, [{ name: 'loop', file: join(sys, 'loop.timer'), error: 'cannot read: ELOOP' }]);
  assert.deepEqual(one.notes, [`systemd timers: ${join(sys, 'loop.timer')}: cannot read: ELOOP`]);
  symlinkSync('other.target.wants', join(sys, 'other.target.wants'));
  const all = await collectTimerFacts([sys], SALT);
  assert.deepEqual(all.facts.timers, []);
  assert.deepEqual(all.facts.unreadable, [{ name: '', file: join(sys, 'other.target.wants'), error: 'cannot read: ELOOP' }]);
  assert.deepEqual((await collectTimerFacts([sys], '')).facts.unreadable, [{ name: '', file: '', error: 'no salt was sent to digest commands with' }]);
});

test('timers: a unit file or drop-in over the size limit is unknown with the reason, not read whole into memory', async (t) => {
  const root = tempDir(t);
  const sys = join(root, 'system');
  const huge = `[Timer]\nOnCalendar=daily\n#${'x'.repeat(SMALL_FILE_CAP)}\n`;
  write(join(sys, 'big.timer'), huge);
  write(join(sys, 'small.timer'), '[Timer]\nOnCalendar=hourly\n');
  write(join(sys, 'small.timer.d/big.conf'), huge);
  mkdirSync(join(sys, 'timers.target.wants'));
  symlinkSync('../big.timer', join(sys, 'timers.target.wants/big.timer'));
  symlinkSync('../small.timer', join(sys, 'timers.target.wants/small.timer'));
  const { facts } = await collectTimerFacts([sys], SALT);
  assert.deepEqual(facts.timers, []);
  const over = `${Buffer.byteLength(huge)} bytes, over the ${SMALL_FILE_CAP}-byte limit for this file, not read`;
  assert.deepEqual(
    (facts.unreadable ?? []).map((u) => [u.name, u.file, u.error]),
    [
      ['big', join(sys, 'big.timer'), over],
      ['small', join(sys, 'small.timer.d/big.conf'), over],
    ],
  );
});

test('timers: Persistent=, RandomizedDelaySec= and the service\'s User= after drop-ins, as systemd takes them; unset: no, 0 and root', async (t) => {
  const root = tempDir(t);
  const sys = join(root, 'system');
  write(join(sys, 'backup.timer'), '[Timer]\nOnCalendar=daily\nPersistent=true\nRandomizedDelaySec=5m\n');
  // A drop-in's invalid boolean is ignored (systemd logs it): Persistent stays true. An empty assignment resets.
  write(join(sys, 'backup.timer.d/spread.conf'), '[Timer]\nPersistent=maybe\nRandomizedDelaySec=\nRandomizedDelaySec=1h 30min\nRandomizedDelaySec=soon\n');
  write(join(sys, 'backup.service'), '[Service]\nUser=root\nExecStart=/usr/local/bin/backup\n');
  write(join(sys, 'backup.service.d/user.conf'), '[Service]\nUser=www-data\n');
  write(join(sys, 'plain.timer'), '[Timer]\nOnCalendar=hourly\n');
  write(join(sys, 'plain.service'), '[Service]\nExecStart=/bin/true\n');
  write(join(sys, 'dyn.timer'), '[Timer]\nOnBootSec=1min\nPersistent=off\n');
  write(join(sys, 'dyn.service'), '[Service]\nDynamicUser=yes\nExecStart=/bin/true\n');
  write(join(sys, 'pkg.timer'), '[Timer]\nOnCalendar=weekly\n');
  mkdirSync(join(sys, 'timers.target.wants'));
  for (const n of ['backup', 'plain', 'dyn', 'pkg']) symlinkSync(`../${n}.timer`, join(sys, `timers.target.wants/${n}.timer`));
  const { facts } = await collectTimerFacts([sys], SALT);
  assert.deepEqual(
    facts.timers!.map((u) => [u.name, { persistent: u.settings?.persistent, randomized_delay_sec: u.settings?.randomized_delay_sec, user: u.settings?.user }]),
    [
      ['backup', { persistent: 'yes', randomized_delay_sec: '1h 30min', user: 'www-data' }],
      ['dyn', { persistent: 'no', randomized_delay_sec: '0', user: '(dynamic)' }],
      ['pkg', { persistent: 'no', randomized_delay_sec: '0', user: '' }],
      ['plain', { persistent: 'no', randomized_delay_sec: '0', user: 'root' }],
    ],
  );
});

test('timers: AccuracySec=, the service\'s Group= and its environment (Environment= words, then each EnvironmentFile= over them) after drop-ins, values as digests only', async (t) => {
  const root = tempDir(t);
  const sys = join(root, 'system');
  const defaults = write(join(root, 'default/backup'), '# the backup\'s own\nDB_PASSWORD="S3cret-File"\nRETENTION=30\n');
  write(join(sys, 'backup.timer'), '[Timer]\nOnCalendar=daily\nAccuracySec=1us\nAccuracySec=often\n');
  write(join(sys, 'backup.service'), `[Service]\nUser=backup\nGroup=disk\nExecStart=/usr/local/bin/backup\nEnvironment=OLD=gone\nEnvironment=\nEnvironment="TOKEN=S3cret-Env two" MODE=full bad-word\nEnvironmentFile=-${join(root, 'default/absent')}\nEnvironmentFile=${defaults}\n`);
  write(join(sys, 'backup.service.d/env.conf'), `[Service]\nEnvironment=MODE=incremental RETENTION=7\nEnvironmentFile=${join(root, 'default/required')}\n`);
  write(join(sys, 'dirfile.timer'), '[Timer]\nOnCalendar=hourly\n');
  write(join(sys, 'dirfile.service'), `[Service]\nExecStart=/bin/true\nEnvironmentFile=${join(root, 'default')}\n`);
  mkdirSync(join(sys, 'timers.target.wants'));
  for (const n of ['backup', 'dirfile']) symlinkSync(`../${n}.timer`, join(sys, `timers.target.wants/${n}.timer`));
  const { facts } = await collectTimerFacts([sys], SALT);
  const [backup, dirfile] = facts.timers!;
  const st = backup!.settings!;
  assert.deepEqual([st.accuracy_sec, st.user, st.group], ['1us', 'backup', 'disk']);
  assert.deepEqual(st.environment_files, [`-${join(root, 'default/absent')}`, defaults, `${join(root, 'default/required')} (not there: the service does not start)`]);
  assert.deepEqual(
    st.environment!.map((v) => [v.name, v.digest, v.from]),
    [
      // The file's RETENTION over the drop-in's; OLD reset by the empty assignment; `bad-word` ignored as systemd ignores it.
      ['DB_PASSWORD', envDigest(SALT, 'S3cret-File'), defaults],
      ['MODE', envDigest(SALT, 'incremental'), 'Environment='],
      ['RETENTION', envDigest(SALT, '30'), defaults],
      ['TOKEN', envDigest(SALT, 'S3cret-Env two'), 'Environment='],
    ],
  );
  assert.equal(st.environment_error, '');
  // Unset: AccuracySec's default, the user's group; a file that cannot be read leaves the environment unknown, saying why.
  assert.deepEqual([dirfile!.settings!.accuracy_sec, dirfile!.settings!.group, dirfile!.settings!.environment_error], ['1min', "(User's group)", `${join(root, 'default')}: a directory, not a file`]);
  assert.ok(!/S3cret/.test(JSON.stringify(facts)));
});

test('time spans as systemd reads them: a bare number is seconds, units and parts add up; not a span is undefined', () => {
  assert.equal(timespanMicros('600'), timespanMicros('10m'));
  assert.equal(timespanMicros('10min'), 600_000_000n);
  assert.equal(timespanMicros('1h 30min'), timespanMicros('5400s'));
  assert.equal(timespanMicros('1h30m'), 5_400_000_000n);
  assert.equal(timespanMicros('1.5h'), 5_400_000_000n);
  assert.equal(timespanMicros('2 weeks'), 1_209_600_000_000n);
  assert.equal(timespanMicros('100ms'), 100_000n);
  assert.equal(timespanMicros('infinity'), -1n);
  for (const bad of ['', 'soon', '5 parsecs', '-5s', '1h x']) assert.equal(timespanMicros(bad), undefined, bad);
});

/** A run-parts standing in for the host's: Debian's compiled one, or RHEL's shell script. */
function fakeRunParts(dir: string, kind: 'elf' | 'cronie' | 'other'): string {
  const body = {
    elf: Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(64)]),
    cronie: '#!/bin/bash\n# run-parts - concept taken from Debian\nfor i in $(LC_ALL=C; echo ${1%/}/*[^~,]) ; do\n  [ "${i%.rpmsave}" != "${i}" ] && continue\ndone\n',
    other: '#!/bin/sh\nexec /opt/other-run-parts "$@"\n',
  }[kind];
  return write(join(dir, 'bin', 'run-parts'), body, 0o755);
}

const OS_RELEASE = { rocky: 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n', ubuntu: 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n', other: 'NAME=Other\nID=other\n' };

test('run-parts naming: RHEL\'s run-parts (cronie) runs foo.sh and foo.dpkg-old, Debian\'s does not; cronie passes over rpm and editor leftovers, a jobs.deny name and names outside a jobs.allow', async (t) => {
  const dir = tempDir(t);
  const daily = join(dir, 'cron.daily');
  const weekly = join(dir, 'cron.weekly');
  for (const name of ['backup', 'backup.sh', 'report.php', 'old.rpmsave', 'old.rpmnew', 'old.rpmorig', 'edit~', 'edit,', 'rcs,v', 'swap.swp', 'saved.cfsaved', 'pkg.dpkg-old', '.hidden', 'denied']) write(join(daily, name), `#!/bin/sh\n# ${name}\n`, 0o755);
  write(join(daily, 'jobs.deny'), 'denied\n');
  for (const name of ['allowed.sh', 'other.sh']) write(join(weekly, name), `#!/bin/sh\n# ${name}\n`, 0o755);
  write(join(weekly, 'jobs.allow'), 'allowed.sh\n');
  const osRelease = write(join(dir, 'os-release'), OS_RELEASE.ubuntu);
  const names = (f: Awaited<ReturnType<typeof collectRunPartsFacts>>['facts']) => f.scripts!.map((s) => `${s.dir}:${s.name}`);

  const cronie = await collectRunPartsFacts([daily, weekly], SALT, { runPartsPaths: [join(dir, 'nowhere', 'run-parts'), fakeRunParts(join(dir, 'rhel'), 'cronie')], osReleasePath: osRelease });
  assert.equal(cronie.facts.naming, 'cronie');
  assert.equal(cronie.facts.naming_from, join(dir, 'rhel', 'bin', 'run-parts'));
  // cronie's run-parts knows no dpkg leftovers: it runs pkg.dpkg-old, so the row is there.
  assert.deepEqual(names(cronie.facts), ['daily:backup', 'daily:backup.sh', 'daily:pkg.dpkg-old', 'daily:report.php', 'weekly:allowed.sh']);
  assert.deepEqual(cronie.facts.unreadable, []);
  assert.equal(cronie.facts.scripts!.find((s) => s.name === 'backup.sh')?.digest, envDigest(SALT, '#!/bin/sh\n# backup.sh\n'));

  const debian = await collectRunPartsFacts([daily, weekly], SALT, { runPartsPaths: [fakeRunParts(join(dir, 'deb'), 'elf')], osReleasePath: join(dir, 'os-release') });
  assert.deepEqual([debian.facts.naming, debian.facts.naming_from], ['debian', join(dir, 'deb', 'bin', 'run-parts')]);
  assert.deepEqual(names(debian.facts), ['daily:backup', 'daily:denied']);
});

test('run-parts naming: no run-parts, or one of no known kind, falls back to os-release ID then ID_LIKE; neither: Debian\'s rule, with a note saying it is assumed; an unreadable jobs.deny leaves the directory unknown', async (t) => {
  const dir = tempDir(t);
  const daily = join(dir, 'cron.daily');
  write(join(daily, 'backup.sh'), '#!/bin/sh\n', 0o755);
  const none = [join(dir, 'nowhere', 'run-parts')];
  const rocky = write(join(dir, 'rocky'), OS_RELEASE.rocky);
  const byId = await collectRunPartsFacts([daily], SALT, { runPartsPaths: none, osReleasePath: rocky });
  assert.deepEqual([byId.facts.naming, byId.facts.naming_from], ['cronie', 'os-release (rhel; no run-parts found)']);
  assert.deepEqual(byId.facts.scripts!.map((s) => s.name), ['backup.sh']);
  assert.deepEqual(byId.notes, []);
  const other = fakeRunParts(join(dir, 'other'), 'other');
  const ubuntu = await collectRunPartsFacts([daily], SALT, { runPartsPaths: [other], osReleasePath: write(join(dir, 'ubuntu'), OS_RELEASE.ubuntu) });
  assert.deepEqual([ubuntu.facts.naming, ubuntu.facts.naming_from], ['debian', `os-release (ubuntu; ${other} of no known kind)`]);
  assert.deepEqual(ubuntu.facts.scripts, []);
  const assumed = await collectRunPartsFacts([daily], SALT, { runPartsPaths: none, osReleasePath: write(join(dir, 'other-os'), OS_RELEASE.other) });
  assert.equal(assumed.facts.naming, 'debian');
  assert.deepEqual(assumed.notes, ["cron scripts: which names run-parts runs is not known here: Debian's rule assumed (no run-parts found, os-release names no known distribution)"]);

  symlinkSync('jobs.deny', join(daily, 'jobs.deny'));
  const denied = await collectRunPartsFacts([daily], SALT, { runPartsPaths: none, osReleasePath: rocky });
  assert.deepEqual(denied.facts.scripts, []);
  assert.deepEqual(denied.facts.unreadable, [{ dir: 'daily', name: '', file: join(daily, 'jobs.deny'), error: 'cannot read: ELOOP' }]);
});
