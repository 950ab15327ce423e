import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { collectDatabaseFacts, scrubPassword, type DatabaseConfig } from '../../agent/facts/database.js';
import { capturingLogger } from '../helpers/facts.js';

/** A local port nothing listens on, so the driver fails with ECONNREFUSED at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('a short database password in a driver error is never shown: the message is withheld, its code kept when it does not hold the password', async () => {
  const port = await closedPort();
  const { logger, lines } = capturingLogger();
  // "ECO" is in "connect ECONNREFUSED 127.0.0.1:PORT" and in nothing else the agent writes.
  const out = await collectDatabaseFacts({ host: '127.0.0.1', port, user: 'wp', password: 'ECO' } as DatabaseConfig, logger);
  assert.equal(out.facts.reachable, false);
  for (const text of [out.facts.error!, ...out.notes, ...lines]) assert.equal(text.includes('ECO'), false, `password shown in: ${text}`);
  assert.match(out.facts.error!, /withheld/);

  assert.equal(scrubPassword("Access denied for 'wp' using 'xyz'", 'xyz', 'ER_ACCESS_DENIED_ERROR'), 'ER_ACCESS_DENIED_ERROR: error message withheld: it contains the text of the database password (a password under 8 characters cannot be cut out of it safely — a longer one can)');
  assert.doesNotMatch(scrubPassword('Access denied', 'e', 'ER_ACCESS_DENIED_ERROR'), /Acc|\[REDACTED\]/, 'a one-character password neither leaks nor garbles');
  assert.doesNotMatch(scrubPassword('connect ETIMEDOUT', 'ET', 'ETIMEDOUT'), /ET/, 'the code is left out when it holds the password');
});

test('a long password is cut out in place; a message without the password, or an empty password, leaves the message as it is', () => {
  assert.equal(scrubPassword('bad url mysql://wp:s3cr3t-pass@db/wp', 's3cr3t-pass', 'X'), 'bad url mysql://wp:[REDACTED]@db/wp');
  assert.equal(scrubPassword('connect ECONNREFUSED 127.0.0.1:3306', 'xyz', 'ECONNREFUSED'), 'connect ECONNREFUSED 127.0.0.1:3306');
  assert.equal(scrubPassword('connect ECONNREFUSED 127.0.0.1:3306', '', 'ECONNREFUSED'), 'connect ECONNREFUSED 127.0.0.1:3306');
  assert.equal(scrubPassword('connect ECONNREFUSED 127.0.0.1:3306', undefined), 'connect ECONNREFUSED 127.0.0.1:3306');
});
