// Wrong input to the CLI ends in one stderr line a person acts on: the value as typed, the file
// and what is wrong with it — never "NaN" or a raw errno text. None of these reach a controller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../shared/paths.js';

const MAIN = join(packageRoot(), 'dist', 'cli', 'main.js');

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  // A port nothing listens on: a request that slipped through would fail differently.
  return spawnSync(process.execPath, [MAIN, ...args, ...(args[0] === 'cutover' ? ['--url', 'http://127.0.0.1:9', '--token', 'x'] : [])], { encoding: 'utf8', timeout: 30_000 });
}

function oneLine(args: string[], expected: string): void {
  const r = run(args);
  assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `${expected}\n`, args.join(' '));
}

test('cutover list --limit that is not a whole number is named as typed, not as NaN', () => {
  oneLine(['cutover', 'list', '--limit', 'abc'], 'switchyard: --limit: must be a whole number of at least 1, not "abc" (see --help)');
  oneLine(['cutover', 'list', '--limit', '10abc'], 'switchyard: --limit: must be a whole number of at least 1, not "10abc" (see --help)');
  oneLine(['cutover', 'list', '--limit', '0'], 'switchyard: --limit: must be a whole number of at least 1, not "0" (see --help)');
});

test('a plan or config path that is a directory or missing says so in words, with the error code', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-cli-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  oneLine(['cutover', 'create', '--plan', dir], `switchyard: plan ${dir}: is a directory, not a file [SY_VALIDATION]`);
  oneLine(['healthcheck', '--config', dir], `switchyard: ${dir}: is a directory, not a file [SY_CONFIG_UNREADABLE]`);
  oneLine(['healthcheck', '--config', join(dir, 'absent.yaml')], `switchyard: ${join(dir, 'absent.yaml')}: no such file [SY_CONFIG_UNREADABLE]`);
  oneLine(['agent', '--config', dir], `switchyard: ${dir}: is a directory, not a file [SY_CONFIG_UNREADABLE]`);
});

test('a controller or agent config named .json that is not JSON stops start-up naming the file, line and column', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-cli-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const controller = join(dir, 'controller.json');
  // Each also holds a value its schema refuses: read as YAML the start-up stops there, instead of serving.
  writeFileSync(controller, '{\n  "tokens": "none",\n}\n');
  const agent = join(dir, 'agent.json');
  writeFileSync(agent, '{ "name": 7, "insecure": true, }\n');
  const why = 'expected a double-quoted property name; a trailing comma? JSON allows none [SY_CONFIG_INVALID]';
  oneLine(['controller', '--config', controller], `switchyard: ${controller}: not valid JSON at line 3, column 1: ${why}`);
  oneLine(['agent', '--config', agent], `switchyard: ${agent}: not valid JSON at line 1, column 32: ${why}`);
  oneLine(['healthcheck', '--config', agent], `switchyard: ${agent}: not valid JSON at line 1, column 32: ${why}`);
});

test('a command group without its verb (`switchyard`, `switchyard cutover`) is one line naming the verbs, not the whole help on stderr', () => {
  const bare = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  const root = bare([]);
  assert.equal(root.status, 1);
  assert.equal(root.stdout, '');
  assert.equal(root.stderr, 'switchyard: missing command: agent, controller, agents, parity, cutover, certs, token, demo, healthcheck (see switchyard --help)\n');
  const cutover = bare(['cutover']);
  assert.equal(cutover.status, 1);
  assert.equal(cutover.stderr, 'switchyard: missing command for cutover: create, advance, status, list, watch, rollback, release, prepare, report (see switchyard cutover --help)\n');
  const certs = bare(['certs']);
  assert.equal(certs.stderr.split('\n').filter(Boolean).length, 1, certs.stderr);
  // Asked for, the help is still all there, on stdout, exit 0.
  const help = bare(['cutover', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: switchyard cutover \[options\] \[command\]/);
  assert.match(help.stdout, /^ {2}rollback \[options\] <id>/m);
});

test('cutover list with both --limit and --all is refused naming both, in either order, before any request', () => {
  const line = 'switchyard: --limit and --all: give one, not both (--limit N lists the newest N cutovers, --all every one) (see --help)';
  oneLine(['cutover', 'list', '--limit', '1', '--all'], line);
  oneLine(['cutover', 'list', '--all', '--limit', '1'], line);
});

test('every usage error, Commander\'s or a flag value refused by our own checks, is one line ending (see --help), as README says', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-cli-usage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const noConfig = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, SWITCHYARD_CONFIG: '' } });
  const cases: Array<[string[], string]> = [
    [['cutover', 'list', '--bogus'], "unknown option '--bogus'"],
    [['cutover', 'list', '--limit', '0'], '--limit: must be a whole number of at least 1, not "0"'],
    [['cutover', 'list', '--limit', '2', '--all'], '--limit and --all: give one, not both (--limit N lists the newest N cutovers, --all every one)'],
    [['cutover', 'advance', 'co_x', '--until', 'nowhere'], '--until: unknown step nowhere; one of preflight, presync, lock, sync, verify, rewrite, validate, switch, propagate, monitor, fallback'],
    [['certs', 'init', '--dir', dir, '--days', '0'], '--days "0": expected a positive whole number'],
    [['certs', 'issue', '--dir', dir, '--name', 'ca'], 'name "ca": use letters, digits, \'.\', \'_\' or \'-\' (and not "ca")'],
    [['certs', 'issue', '--dir', dir, '--name', 'web-1', '--role', 'agent'], 'an agent certificate needs at least one --san: the host name or IP address the controller dials'],
    [['token', 'new', '--name', 'a b', '--role', 'viewer'], '--name: expected string to match \'^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$\' (got "a b")'],
  ];
  for (const [args, why] of cases) oneLine(args, `switchyard: ${why} (see --help)`);
  // A bad --url is a flag value too; nothing is asked of any controller.
  const url = spawnSync(process.execPath, [MAIN, 'cutover', 'list', '--url', 'ftp://x', '--token', 'x'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(url.stderr, 'switchyard: controller URL "ftp://x" is not an http(s) URL; give --url or $SWITCHYARD_URL as http(s)://host:port[/prefix] (see --help)\n');
  for (const verb of ['agent', 'controller']) {
    const r = noConfig([verb]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'switchyard: pass --config FILE or set SWITCHYARD_CONFIG (see --help)\n', verb);
  }
});

test('a key written twice in a .json config or plan is refused naming the key and both lines, as YAML refuses it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-cli-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const agent = join(dir, 'agent.json');
  writeFileSync(agent, '{\n  "name": "staging-1",\n  "name": "prod-1"\n}\n');
  oneLine(
    ['healthcheck', '--config', agent],
    `switchyard: ${agent}: key name: written twice in one object, at line 2, column 3 and at line 3, column 3; JSON would keep only the last silently, so remove one [SY_CONFIG_INVALID]`,
  );
  const plan = join(dir, 'plan.json');
  writeFileSync(plan, '{"site": "example.com",\n "checks": {"pages": ["/"]},\n "checks": {"pages": ["/about/"]}}\n');
  oneLine(
    ['cutover', 'create', '--plan', plan],
    `switchyard: ${plan}: key checks: written twice in one object, at line 2, column 2 and at line 3, column 2; JSON would keep only the last silently, so remove one [SY_VALIDATION]`,
  );
});
