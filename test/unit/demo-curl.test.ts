// The demo's rollback by curl must not put the operator token in curl's arguments: any user of
// the host reads those in `ps` or /proc/PID/cmdline while curl runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curlPost } from '../../cli/demo/cutover-demo.js';

test('curlPost sends the token as the Authorization header, and never as an argument to curl', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-demo-curl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // curl as the system has it, behind a wrapper that writes down the arguments it was given.
  const argvFile = join(dir, 'argv');
  const wrapper = join(dir, 'curl');
  writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvFile}'\nexec curl "$@"\n`);
  chmodSync(wrapper, 0o755);
  const seen: Array<{ method: string | undefined; authorization: string | undefined }> = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method, authorization: req.headers.authorization });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const token = 'sy_op_0123456789abcdefSECRET';
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/cutovers/co_1/rollback`;

  const answer = await curlPost(url, token, wrapper);
  assert.equal(answer, '{"ok":true}');
  assert.deepEqual(seen, [{ method: 'POST', authorization: `Bearer ${token}` }]);
  const argv = readFileSync(argvFile, 'utf8');
  assert.match(argv, /\/v1\/cutovers\/co_1\/rollback/);
  assert.ok(!argv.includes(token), `the token is in curl's arguments: ${argv}`);
});
