// Runtime parity when a side cannot answer: two "hosts" collect their facts for real with fake
// php/apache2ctl binaries first on PATH (the real ones are not installed here), then the
// preflight check judges them as a cutover would. A failed command or a missing package must be
// told as such, naming the host, never as rows of differences.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { collectFacts } from '../../agent/facts/collect.js';
import { runtimeParityCheck } from '../../controller/cutover/steps/preflight/runtime-parity.js';
import type { StepContext } from '../../controller/cutover/executor.js';
import type { ParityTable } from '../../shared/parity.js';
import { formatParityTable } from '../../shared/parity-format.js';
import { fakePlan } from '../helpers/cutover-fakes.js';
import { capturingLogger, fakeBin, overTheWire, testAgentConfig } from '../helpers/facts.js';

const PHP = `case "$1" in
  -r) case "$2" in
    *PHP_VERSION*) printf '8.2.18' ;;
    *) printf '{"memory_limit":"256M","upload_max_filesize":"64M","date.timezone":"UTC"}' ;;
  esac ;;
  -m) printf '[PHP Modules]\\nCore\\ngd\\nintl\\nmysqli\\n\\n[Zend Modules]\\n\\n' ;;
  *) exit 2 ;;
esac`;

const APACHE = `case "$1" in
  -v) printf 'Server version: Apache/2.4.57 (Debian)\\n' ;;
  -M) printf 'Loaded Modules:\\n core_module (static)\\n rewrite_module (shared)\\n headers_module (shared)\\n expires_module (shared)\\n' ;;
esac`;

const APACHE_NO_ROOT = `case "$1" in
  -v) printf 'Server version: Apache/2.4.57 (Debian)\\n' ;;
  -M) echo 'AH00526: Syntax error on line 4 of /etc/apache2/sites-enabled/shop.conf: SSLCertificateFile: file is not readable' >&2; exit 1 ;;
esac`;

// Long enough that a fake tool (a shell script) answers in time on a loaded CI machine; only the
// php that sleeps is meant to run out of it.
const TOOL_TIMEOUT_MS = 3000;

/** The runtime parity check of two hosts whose tools are the given fake binaries. */
async function judge(t: TestContext, staging: Record<string, string>, production: Record<string, string>) {
  const dirs = { 'staging-1': fakeBin(t, staging), 'prod-1': fakeBin(t, production) };
  const { logger } = capturingLogger();
  const plan = fakePlan();
  const facts = async (side: 'staging' | 'production') => {
    const name = plan[side].agent;
    const config = testAgentConfig({ name, binaries: { php: 'php', nginx: '/nonexistent/nginx', apache: 'apache2ctl' } });
    // No default locale: the fake PATH has no `locale`, and these cases are about php and apache.
    return overTheWire(await collectFacts(config, 'salt', logger, { tools: { path: dirs[name as keyof typeof dirs], timeoutMs: TOOL_TIMEOUT_MS }, localeEnv: {} }));
  };
  const evidence: Record<string, unknown> = {};
  const step = { plan, cutover: { id: 'co_test' }, signal: new AbortController().signal } as unknown as StepContext;
  const [check] = await runtimeParityCheck()({ step, facts, setEvidence: (k, v) => (evidence[k] = v) });
  return { check: check!, table: evidence.runtimeParity as ParityTable };
}

test('apache modules unreadable on production (apache2ctl -M fails): flagged unreadable there, named with the error, not modules "absent"', async (t) => {
  const { check, table } = await judge(t, { php: PHP, apache2ctl: APACHE }, { php: PHP, apache2ctl: APACHE_NO_ROOT });
  const rewrite = table.rows.find((r) => r.key === 'apache.module.rewrite_module')!;
  assert.deepEqual([rewrite.staging, rewrite.production, rewrite.status, rewrite.unreadable], ['present', 'unknown', 'differs', true]);
  assert.equal(table.summary.differs, table.summary.unknown, 'the only rows that differ are the unreadable ones');
  assert.equal(table.rows.find((r) => r.key === 'apache.version')!.status, 'equal');
  assert.equal(check.status, 'fail');
  assert.match(check.message, /^could not read apache modules \(\/.*\/apache2ctl\) on prod-1: .*apache2ctl -M: exited with 1: AH00526: .*SSLCertificateFile: file is not readable/);
  assert.doesNotMatch(check.message, /difference|absent/);
  assert.match(formatParityTable(table), /^! could not read apache modules .* on prod-1 \(production\): /m);
  assert.match(formatParityTable(table), /^! apache\.module\.rewrite_module\s+present\s+unknown\s+differs \(unreadable\)$/m);
});

test('php timing out on production is flagged unreadable, not reported as a version or module difference', async (t) => {
  const { check, table } = await judge(t, { php: PHP }, { php: 'exec /bin/sleep 30' });
  for (const key of ['php.version', 'php.module.intl']) assert.equal(table.rows.find((r) => r.key === key)!.unreadable, true, key);
  assert.equal(table.summary.differs, table.summary.unknown);
  assert.equal(table.summary.missing, 0);
  assert.match(check.message, /^could not read php \(.*\/php\) on prod-1: .*timed out after 3000 ms/);
  assert.doesNotMatch(check.message, /difference/);
});

test('php not installed on production is one finding naming the host, the version and modules to install and the config key', async (t) => {
  const { check, table } = await judge(t, { php: PHP }, {});
  assert.equal(table.rows.find((r) => r.key === 'php.version')!.status, 'missing');
  assert.equal(check.status, 'fail');
  assert.equal(
    check.message,
    "PHP is not installed on prod-1 (staging-1 has 8.2.18 with modules core, gd, intl, mysqli) — install it there, set binaries.php in prod-1's agent config if it is not on the agent's PATH, or list php.* in checks.allowDiffer if the site does not use it",
  );
});

test('both hosts alike through the same fake tools pass', async (t) => {
  const { check } = await judge(t, { php: PHP, apache2ctl: APACHE }, { php: PHP, apache2ctl: APACHE });
  assert.equal(check.status, 'pass', check.message);
});

test('production with a lower memory_limit fails preflight naming the setting and both values', async (t) => {
  const { check, table } = await judge(t, { php: PHP }, { php: PHP.replace('"256M"', '"128M"').replace('"64M"', '"67108864"') });
  assert.deepEqual(table.rows.filter((r) => r.status !== 'equal' && r.category === 'php').map((r) => [r.key, r.staging, r.production, r.status]), [['php.ini.memory_limit', '256M', '128M', 'differs']]);
  assert.equal(check.status, 'fail');
  assert.match(check.message, /^1 difference\(s\) between staging-1 and prod-1: php\.ini\.memory_limit: 256M ≠ 128M — /);
});
