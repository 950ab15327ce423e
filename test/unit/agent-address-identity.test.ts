// The one string the exclusivity check compares for an agent's address: spellings of one address
// are one, with no DNS asked (a name and the address it resolves to stay two).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressIdentity } from '../../controller/agents/agent-directory.js';

test('an address is written one way: loopback spellings are localhost, IPv4 shorthand and v4-mapped IPv6 are the dotted address, IPv6 is compressed; names are not resolved', () => {
  for (const host of ['localhost', 'LocalHost', 'localhost.', '127.0.0.1', '127.1', '0x7f.0.0.1', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
    assert.equal(addressIdentity(host, 7701), 'localhost:7701', host);
  }
  assert.equal(addressIdentity('::ffff:203.0.113.5', 7701), '203.0.113.5:7701');
  assert.equal(addressIdentity('2001:DB8:0::1', 7701), '[2001:db8::1]:7701');
  assert.equal(addressIdentity('Prod-1.Internal.', 7701), 'prod-1.internal:7701');
  // Another loopback address is another bind, and a DNS name is not looked up.
  assert.equal(addressIdentity('127.0.0.2', 7701), '127.0.0.2:7701');
  assert.equal(addressIdentity('prod-1.internal', 7701), 'prod-1.internal:7701');
  assert.notEqual(addressIdentity('localhost', 7702), addressIdentity('localhost', 7701));
  assert.equal(addressIdentity('fe80::1%eth0', 7701), '[fe80::1%eth0]:7701', 'a zone index stands as written');
  // What a URL parser would cut at (user info, a path) stands as written: it is no loopback spelling.
  assert.equal(addressIdentity('evil.com@127.0.0.1', 7701), 'evil.com@127.0.0.1:7701');
  assert.equal(addressIdentity('127.0.0.1/evil.com', 7701), '127.0.0.1/evil.com:7701');
});
