// `switchyard cutover list --limit N` when more cutovers exist than it printed: a note on stderr
// says so and how to see them; stdout stays one cutover a line, and --json says it as `more`.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { packageRoot } from '../../shared/paths.js';

const MAIN = join(packageRoot(), 'dist', 'cli', 'main.js');

const row = (n: number) => ({ id: `co_${n}`, site: 'example.com', state: 'completed', createdAt: `2026-12-0${n}T00:00:00.000Z`, steps: [] });

/** A controller holding five cutovers, paging as GET /v1/cutovers does (nextCursor while more follow). */
async function standIn(t: TestContext): Promise<string> {
  const all = [5, 4, 3, 2, 1].map(row);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const limit = Number(url.searchParams.get('limit'));
    const from = Number(url.searchParams.get('cursor') ?? '0');
    const page = all.slice(from, from + limit);
    const more = from + limit < all.length;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ cutovers: page, next: more ? `/v1/cutovers?limit=${limit}&cursor=${from + limit}` : null, nextCursor: more ? String(from + limit) : null }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function cli(url: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: { ...process.env, SWITCHYARD_URL: url, SWITCHYARD_TOKEN: 't' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
    });
  });
}

test('cutover list --limit 3 with five cutovers says on stderr that older ones exist and how to see them', async (t) => {
  const url = await standIn(t);
  const run = await cli(url, ['cutover', 'list', '--limit', '3']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['co_5', 'co_4', 'co_3'], 'stdout is the cutovers alone');
  assert.equal(run.stderr, 'switchyard: these are the newest 3 cutovers; older ones exist: --limit 6 for more, or --all for every one\n');
  const json = await cli(url, ['cutover', 'list', '--limit', '3', '--json']);
  assert.equal((JSON.parse(json.stdout) as { more: boolean }).more, true);
});

test('cutover list that shows every cutover says nothing more: --limit 5 of five, and --all', async (t) => {
  const url = await standIn(t);
  for (const args of [['--limit', '5'], ['--limit', '9'], ['--all']]) {
    const run = await cli(url, ['cutover', 'list', ...args]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim().split('\n').length, 5, args.join(' '));
    assert.equal(run.stderr, '', args.join(' '));
  }
  const json = await cli(url, ['cutover', 'list', '--limit', '5', '--json']);
  assert.equal((JSON.parse(json.stdout) as { more: boolean }).more, false);
});
