// `switchyard parity` refused by the controller: the line names the options typed (--staging-ip),
// not the REST parameters (stagingIp) that the CLI filled from them and that `parity --help` never shows.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { packageRoot } from '../../shared/paths.js';
import { SwitchyardError } from '../../shared/errors.js';
import { inParityOptions } from '../../cli/commands/agents.js';
import { UsageError } from '../../cli/usage-error.js';
import { buildTestApp, VIEWER_TOKEN } from '../helpers/api-app.js';

const MAIN = join(packageRoot(), 'dist', 'cli', 'main.js');

async function controller(t: TestContext): Promise<string> {
  const app = await buildTestApp(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

function cli(url: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args, '--url', url, '--token', VIEWER_TOKEN], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

test('parity refused for an option names the option as typed, not its REST parameter', async (t) => {
  const url = await controller(t);
  const sides = ['parity', '--staging', 'staging-1', '--production', 'prod-1'];
  const alone = await cli(url, [...sides, '--staging-ip', '127.0.0.2']);
  assert.equal(alone.code, 1, alone.stderr);
  assert.equal(alone.stdout, '');
  assert.equal(alone.stderr, "switchyard: 400 The request is invalid: --staging-ip is used only with --staging-host and --production-host: it is the address of a side's nginx server block, compared only for both hosts (see --help)\n");
  const bad = await cli(url, [...sides, '--staging-host', 's.example.com', '--production-host', 'www.example.com', '--production-ip', 'not-an-ip']);
  assert.equal(bad.stderr, 'switchyard: 400 The request is invalid: --production-ip: "not-an-ip" is not an IP address (see --help)\n');
  const half = await cli(url, [...sides, '--production-host', 'www.example.com']);
  assert.match(half.stderr, /^switchyard: 400 The request is invalid: --staging-host is required with --production-host: /);
  // The schema's own refusal ("query parameter stagingHost must match …") likewise.
  const shape = await cli(url, [...sides, '--staging-host', 'bad host!', '--production-host', 'www.example.com']);
  assert.equal(shape.stderr, 'switchyard: 400 The request is invalid: option --staging-host must match pattern "^[A-Za-z0-9.-]+$" (see --help)\n');
  assert.doesNotMatch(`${alone.stderr}${bad.stderr}${half.stderr}${shape.stderr}`, /stagingIp|productionIp|stagingHost|productionHost/);
});

test('the field of a parity refusal is the option, and other errors pass unchanged', () => {
  const mapped = inParityOptions(new SwitchyardError('SY_VALIDATION', '400 Bad Request: stagingIp: "x" is not an IP address', { field: 'stagingIp' }));
  assert.ok(mapped instanceof UsageError);
  assert.deepEqual([mapped.code, mapped.field, mapped.message], ['SY_VALIDATION', 'staging-ip', '400 Bad Request: --staging-ip: "x" is not an IP address']);
  const other = new SwitchyardError('SY_NOT_FOUND', '404 Not Found: unknown agent staging-9', { field: 'staging' });
  assert.equal(inParityOptions(other), other);
  // A word that only contains a parameter's name is left alone.
  const word = new SwitchyardError('SY_VALIDATION', '400 Bad Request: mystagingIpx');
  assert.equal(inParityOptions(word), word);
});
