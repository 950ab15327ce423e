import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { SwitchyardError } from '../../shared/errors.js';
import { isLoopbackHost, normalizeHost, plaintextAddress, splitHostPort, joinHostPort } from '../../shared/grpc/address.js';
import { addressIdentity } from '../../controller/agents/agent-directory.js';
import { channelCredentials, channelOptions, serverCredentials } from '../../shared/grpc/credentials.js';
import { makePki } from '../helpers/pki.js';

function isError(code: string, check: (e: SwitchyardError) => void = () => {}) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof SwitchyardError, String(err));
    assert.equal(err.code, code, err.message);
    check(err);
    return true;
  };
}

test('loopback means 127.0.0.0/8, ::1 and localhost, nothing else', () => {
  for (const h of ['127.0.0.1', '127.0.0.2', '127.255.0.9', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.3', 'localhost', 'LOCALHOST']) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '192.168.1.10', 'fe80::1', '::ffff:10.0.0.1', 'localhost.example.com', 'evil.localhost', '']) {
    assert.equal(isLoopbackHost(h), false, h);
  }
});

test('the plaintext check reads a host as the exclusivity check does: every spelling addressIdentity takes for loopback is loopback, and nothing that merely contains one', () => {
  const spellings = ['127.1', '0x7f.0.0.1', '2130706433', '017700000001', 'LOCALHOST.', 'localhost.', 'LocalHost', '127.0.0.1.', '[0:0::1]', '::ffff:7f00:1', '[::FFFF:127.0.0.1]'];
  for (const h of spellings) {
    assert.equal(addressIdentity(h.replace(/^\[|\]$/g, ''), 7701), 'localhost:7701', `${h}: addressIdentity`);
    assert.equal(isLoopbackHost(h), true, `${h}: isLoopbackHost`);
    assert.ok(channelCredentials({ insecure: true, targetHost: h }) instanceof grpc.ChannelCredentials, h);
  }
  assert.equal(isLoopbackHost('127.0.0.2.'), true, 'the rest of 127.0.0.0/8, spelled so, too');
  assert.equal(isLoopbackHost('0x7f000002'), true);
  // Names that hold a loopback spelling but are another host, and what a URL parser would cut at.
  for (const h of ['127.0.0.1.example.com', 'localhost.localdomain', 'localhost.example.com.', 'evil.com@127.0.0.1', '127.0.0.1/evil.com', 'local host', '::1%lo', '0x80.0.0.1', '127.0.0.1.1']) {
    assert.equal(isLoopbackHost(h), false, h);
    assert.throws(
      () => channelCredentials({ insecure: true, targetHost: h, hostField: 'agents[2].address' }),
      isError('SY_INSECURE_NON_LOOPBACK', (e) => {
        assert.equal(e.field, 'agents[2].address');
        assert.ok(e.message.includes(`address ${h} (agents[2].address) is not loopback`), e.message);
      }),
    );
  }
  assert.throws(() => serverCredentials({ insecure: true, listenHost: 'localhost.example.com.' }), isError('SY_INSECURE_NON_LOOPBACK', (e) => assert.equal(e.field, 'listen.host')));
});

test('plaintext dials and binds a loopback host as the check read it: LOCALHOST. (a name getaddrinfo asks DNS for, not /etc/hosts) is localhost, 127.1 is 127.0.0.1', () => {
  assert.equal(plaintextAddress('LOCALHOST.:7701'), 'localhost:7701');
  assert.equal(plaintextAddress('127.1:7701'), '127.0.0.1:7701');
  assert.equal(plaintextAddress('[0:0::1]:7701'), '[::1]:7701');
  assert.equal(plaintextAddress('[::ffff:127.0.0.2]:7701'), '127.0.0.2:7701');
  assert.equal(normalizeHost('Prod-1.Internal.'), 'prod-1.internal');
});

test('insecure is refused on a non-loopback address, naming the address and key', () => {
  for (const listenHost of ['0.0.0.0', '10.0.0.1', '::']) {
    assert.throws(
      () => serverCredentials({ insecure: true, listenHost }),
      isError('SY_INSECURE_NON_LOOPBACK', (e) => {
        assert.ok(e.message.includes(`address ${listenHost} `), e.message);
        assert.equal(e.field, 'listen.host');
      }),
    );
  }
  assert.throws(
    () => channelCredentials({ insecure: true, targetHost: '10.0.0.1', hostField: 'agents[1].address' }),
    isError('SY_INSECURE_NON_LOOPBACK', (e) => {
      assert.match(e.message, /10\.0\.0\.1 \(agents\[1\]\.address\)/);
      assert.equal(e.field, 'agents[1].address');
    }),
  );
  assert.ok(serverCredentials({ insecure: true, listenHost: '127.0.0.2' }) instanceof grpc.ServerCredentials);
  assert.ok(channelCredentials({ insecure: true, targetHost: 'localhost' }) instanceof grpc.ChannelCredentials);
});

test('neither tls nor insecure names the tls key; both at once is refused', async (t) => {
  assert.throws(() => serverCredentials({ insecure: false, listenHost: '127.0.0.1' }), isError('SY_CONFIG_INVALID', (e) => assert.equal(e.field, 'tls')));
  const pki = await makePki(t);
  const tls = await pki.issue('agent', ['127.0.0.1'], 'both');
  assert.throws(() => serverCredentials({ tls, insecure: true, listenHost: '127.0.0.1' }), isError('SY_CONFIG_INVALID', (e) => assert.equal(e.field, 'insecure')));
});

test('missing, non-PEM or mismatched files name the file and the config key', async (t) => {
  const pki = await makePki(t);
  const tls = await pki.issue('agent', ['127.0.0.1'], 'both');
  const other = await pki.issue('other', ['127.0.0.1'], 'both');
  const missing = join(pki.dir, 'nope.pem');
  assert.throws(
    () => serverCredentials({ tls: { ...tls, cert: missing }, insecure: false, listenHost: '0.0.0.0' }),
    isError('SY_TLS_MATERIAL', (e) => {
      assert.equal(e.field, 'tls.cert');
      assert.ok(e.message.includes(missing) && e.message.includes('no such file'), e.message);
    }),
  );
  const junk = join(pki.dir, 'junk.pem');
  writeFileSync(junk, 'not a pem');
  assert.throws(() => channelCredentials({ tls: { ...tls, ca: junk }, insecure: false, targetHost: 'a' }), isError('SY_TLS_MATERIAL', (e) => assert.equal(e.field, 'tls.ca')));
  assert.throws(
    () => channelCredentials({ tls: { ...tls, key: other.key }, insecure: false, targetHost: 'a' }),
    isError('SY_TLS_MATERIAL', (e) => {
      assert.equal(e.field, 'tls.key');
      assert.match(e.message, /is not the key of tls\.cert/);
    }),
  );
  assert.ok(serverCredentials({ tls, insecure: false, listenHost: '0.0.0.0' })._isSecure());
});

test('host:port parsing keeps IPv6 in brackets and rejects the rest', () => {
  assert.deepEqual(splitHostPort('[::1]:7701'), { host: '::1', port: 7701 });
  assert.deepEqual(splitHostPort('agent.lan:7701'), { host: 'agent.lan', port: 7701 });
  assert.equal(joinHostPort('::1', 5), '[::1]:5');
  assert.throws(() => splitHostPort('agent.lan', 'agents[0].address'), isError('SY_CONFIG_INVALID', (e) => assert.equal(e.field, 'agents[0].address')));
  assert.throws(() => splitHostPort('::1:7701'), isError('SY_CONFIG_INVALID'));
});

// grpc-js fails every call at once while it waits to reconnect, and by default waits up to 120 s:
// an operator retrying a rollback right after the agent came back would be refused for minutes.
test('agent channels reconnect within seconds of a peer coming back, with or without a server name', () => {
  for (const opts of [channelOptions(), channelOptions('agent.example')]) {
    const cap = opts['grpc.max_reconnect_backoff_ms'];
    assert.equal(typeof cap, 'number');
    assert.ok((cap as number) <= 10_000, `reconnect backoff capped at ${String(cap)} ms`);
  }
  assert.equal(channelOptions('agent.example')['grpc.ssl_target_name_override'], 'agent.example');
});
