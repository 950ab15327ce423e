import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { withPowerDns, type PowerDnsInstance } from '../helpers/powerdns.js';
import { PowerDnsProvider } from '../../controller/dns/powerdns.js';
import { applySwitch, lowerTtl, planSwitch, restoreSnapshot, type DnsSnapshot } from '../../controller/dns/switch.js';
import { authoritativeServers, queryDns } from '../../controller/dns/query.js';
import { waitForPropagation } from '../../controller/dns/propagation.js';
import { SwitchyardError } from '../../shared/errors.js';

const KEY = { zone: 'example.test', name: 'www.example.test', type: 'A' };
let pdns: PowerDnsInstance;
let provider: PowerDnsProvider;
// Hooks registered from inside before() would run right after it; the suite's own after() stops it.
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});

before(async () => {
  pdns = await withPowerDns((fn) => cleanups.push(fn), {
    host: '127.0.0.4',
    zones: [
      {
        name: 'example.test',
        records: [
          { name: 'www.example.test', type: 'A', ttl: 3600, content: '127.0.0.2' },
          { name: 'ns1.example.test', type: 'A', ttl: 3600, content: '127.0.0.4' },
        ],
      },
    ],
  });
  provider = new PowerDnsProvider({ name: 'pdns-test', url: pdns.apiUrl, apiKey: pdns.apiKey, policy: { retries: 1, baseDelayMs: 10 } });
});

const ask = () => queryDns(pdns.dnsServer, 'www.example.test', 'A', { timeoutMs: 2000 });

/** dig is a second, independent DNS client; present on this machine (package dnsutils). */
function dig(): string[] | null {
  const r = spawnSync('dig', ['+short', '+norecurse', '+time=2', '+tries=1', `@${pdns.dnsHost}`, '-p', String(pdns.dnsPort), 'www.example.test', 'A'], { encoding: 'utf8' });
  if (r.error !== undefined) return null;
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).sort();
}

test('the provider reads the record set the server answers', async () => {
  const set = await provider.getRecordSet('example.test', 'WWW.example.test.', 'a');
  assert.deepEqual(set, { name: 'www.example.test', type: 'A', ttl: 3600, records: ['127.0.0.2'] });
  assert.equal(await provider.getRecordSet('example.test', 'nope.example.test', 'A'), null);
  const a = await ask();
  assert.deepEqual(a.answers, ['127.0.0.2']);
  assert.equal(a.ttl, 3600);
});

test('NS lookup through the server finds it as the authoritative server', async () => {
  const servers = await authoritativeServers('example.test', { via: [pdns.dnsServer], port: pdns.dnsPort });
  assert.deepEqual(servers, [pdns.dnsServer]);
  assert.deepEqual(await authoritativeServers('example.test', { override: ['10.9.9.9:53'] }), ['10.9.9.9:53']);
});

test('switch: dry run changes nothing, apply moves the record, restore puts back exactly the snapshot', async () => {
  const plan = await planSwitch(provider, KEY, '127.0.0.3');
  assert.equal(plan.changes, true);
  assert.deepEqual(plan.before.rrset?.records, ['127.0.0.2']);
  assert.deepEqual(plan.after, { name: 'www.example.test', type: 'A', ttl: 3600, records: ['127.0.0.3'] });
  assert.deepEqual((await ask()).answers, ['127.0.0.2'], 'dry run must not touch the record');

  // The snapshot must be in the store before the provider is called.
  const order: string[] = [];
  let stored: DnsSnapshot | undefined;
  const realReplace = provider.replaceRecordSet.bind(provider);
  provider.replaceRecordSet = async (zone, rrset) => {
    order.push('replace');
    return realReplace(zone, rrset);
  };
  try {
    const res = await applySwitch(provider, KEY, '127.0.0.3', {
      ttl: 60,
      recordSnapshot: (s) => {
        order.push('snapshot');
        stored = s;
      },
    });
    assert.equal(res.changed, true);
  } finally {
    provider.replaceRecordSet = realReplace;
  }
  assert.deepEqual(order, ['snapshot', 'replace']);
  assert.ok(stored);
  assert.deepEqual(stored.rrset, { name: 'www.example.test', type: 'A', ttl: 3600, records: ['127.0.0.2'] });

  const now = await ask();
  assert.deepEqual(now.answers, ['127.0.0.3']);
  assert.equal(now.ttl, 60);
  const viaDig = dig();
  if (viaDig !== null) assert.deepEqual(viaDig, ['127.0.0.3']);

  // A re-run after a crash: the store hands back the first snapshot, nothing changes again.
  const again = await applySwitch(provider, KEY, '127.0.0.3', { ttl: 60, recordSnapshot: () => stored });
  assert.equal(again.changed, false);
  assert.deepEqual(again.before.rrset?.records, ['127.0.0.2']);

  // It reports what it replaced: the set the switch wrote.
  assert.deepEqual(await restoreSnapshot(provider, stored), { changed: true, replaced: { name: 'www.example.test', type: 'A', ttl: 60, records: ['127.0.0.3'] } });
  const back = await ask();
  assert.deepEqual(back.answers, ['127.0.0.2']);
  assert.equal(back.ttl, 3600, 'the original TTL comes back too');
  if (dig() !== null) assert.deepEqual(dig(), ['127.0.0.2']);
  assert.deepEqual(await restoreSnapshot(provider, stored), { changed: false }, 'restore is idempotent');
});

test('two concurrent restores end in the snapshot', async () => {
  const snap = (await planSwitch(provider, KEY, '127.0.0.3')).before;
  await applySwitch(provider, KEY, '127.0.0.3', { recordSnapshot: () => undefined });
  const results = await Promise.all([restoreSnapshot(provider, snap), restoreSnapshot(provider, snap)]);
  assert.ok(results.some((r) => r.changed));
  assert.deepEqual((await ask()).answers, ['127.0.0.2']);
});

test('concurrent writes to one zone from one provider all succeed, without retries', async () => {
  // PowerDNS (sqlite3 backend) answers 500 to a PATCH racing another on the zone — 16 of 40 sent
  // two at a time here — so with no retries this fails unless the provider queues its own writes.
  const strict = new PowerDnsProvider({ name: 'pdns-strict', url: pdns.apiUrl, apiKey: pdns.apiKey, policy: { retries: 0 } });
  const key = { name: 'race.example.test', type: 'A' };
  for (let round = 0; round < 5; round++) {
    const values = ['127.0.0.2', '127.0.0.3', '127.0.0.5', '127.0.0.6'];
    await Promise.all(values.map((v) => strict.replaceRecordSet('example.test', { ...key, ttl: 60, records: [v] })));
    // Queued in call order, so the last call's value is the one that stays.
    assert.deepEqual((await strict.getRecordSet('example.test', key.name, key.type))?.records, ['127.0.0.6']);
  }
  await strict.replaceRecordSet('example.test', { ...key, ttl: 60, records: [] });
  assert.equal(await strict.getRecordSet('example.test', key.name, key.type), null);
});

test('restoring a snapshot of an absent record deletes what the switch created', async () => {
  const key = { zone: 'example.test', name: 'new.example.test', type: 'A' };
  let snap: DnsSnapshot | undefined;
  await applySwitch(provider, key, ['127.0.0.3', '127.0.0.5'], { recordSnapshot: (s) => void (snap = s) });
  assert.ok(snap);
  assert.equal(snap.rrset, null);
  assert.deepEqual((await queryDns(pdns.dnsServer, 'new.example.test', 'A')).answers, ['127.0.0.3', '127.0.0.5']);
  await restoreSnapshot(provider, snap);
  assert.deepEqual((await queryDns(pdns.dnsServer, 'new.example.test', 'A')).answers, []);
});

/** The rrset as the server's zone listing holds it, disabled records included: read past the provider under test. */
async function listed(name: string, type: string): Promise<{ ttl: number; records: { content: string; disabled: boolean }[] } | null> {
  const res = await fetch(`${pdns.apiUrl}/api/v1/servers/localhost/zones/example.test.`, { headers: { 'X-API-Key': pdns.apiKey } });
  assert.equal(res.status, 200);
  const zone = (await res.json()) as { rrsets: { name: string; type: string; ttl: number; records: { content: string; disabled: boolean }[] }[] };
  const found = zone.rrsets.find((r) => r.name === `${name}.` && r.type === type);
  return found === undefined ? null : { ttl: found.ttl, records: [...found.records].sort((a, b) => a.content.localeCompare(b.content)) };
}

async function putRRSet(name: string, ttl: number, records: { content: string; disabled: boolean }[]): Promise<void> {
  const res = await fetch(`${pdns.apiUrl}/api/v1/servers/localhost/zones/example.test.`, {
    method: 'PATCH',
    headers: { 'X-API-Key': pdns.apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ rrsets: [{ name: `${name}.`, type: 'A', ttl, changetype: 'REPLACE', records }] }),
  });
  assert.equal(res.status, 204, await res.text());
}

/** Switches `key` to 127.0.0.3 with TTL 60; returns the snapshot the switch recorded for the way back. */
async function switchRecording(key: typeof KEY): Promise<DnsSnapshot> {
  let snap: DnsSnapshot | undefined;
  await applySwitch(provider, key, '127.0.0.3', { ttl: 60, recordSnapshot: (s) => void (snap = s) });
  assert.ok(snap);
  return snap;
}

test('a disabled record survives the switch and the restore puts it back disabled', async () => {
  const key = { zone: 'example.test', name: 'mixed.example.test', type: 'A' };
  const original = [
    { content: '127.0.0.2', disabled: false },
    { content: '127.0.0.7', disabled: true },
  ];
  await putRRSet(key.name, 600, original);
  assert.deepEqual((await queryDns(pdns.dnsServer, key.name, 'A')).answers, ['127.0.0.2'], 'a disabled record is not served');

  const snap = await switchRecording(key);
  assert.deepEqual(snap.rrset, { name: key.name, type: 'A', ttl: 600, records: ['127.0.0.2'], disabled: ['127.0.0.7'] }, 'the way back holds the disabled record');
  const switched = await queryDns(pdns.dnsServer, key.name, 'A');
  assert.deepEqual(switched.answers, ['127.0.0.3']);
  assert.equal(switched.ttl, 60);
  // Only the served value moves; the disabled one stays in the set as it was.
  assert.deepEqual((await listed(key.name, 'A'))?.records, [
    { content: '127.0.0.3', disabled: false },
    { content: '127.0.0.7', disabled: true },
  ]);

  assert.equal((await restoreSnapshot(provider, snap)).changed, true);
  assert.deepEqual(await listed(key.name, 'A'), { ttl: 600, records: original });
  assert.deepEqual((await queryDns(pdns.dnsServer, key.name, 'A')).answers, ['127.0.0.2']);
  assert.deepEqual(await restoreSnapshot(provider, snap), { changed: false }, 'restore is idempotent');

  // The already-in-place check sees disabled records: one lost since is put back, not taken as done.
  await putRRSet(key.name, 600, [{ content: '127.0.0.2', disabled: false }]);
  assert.equal((await restoreSnapshot(provider, snap)).changed, true);
  assert.deepEqual(await listed(key.name, 'A'), { ttl: 600, records: original });
});

test('a set with every record disabled is snapshotted, not taken for absent; the production value is enabled, then disabled again', async () => {
  const key = { zone: 'example.test', name: 'parked.example.test', type: 'A' };
  const original = [
    { content: '127.0.0.3', disabled: true },
    { content: '127.0.0.6', disabled: true },
  ];
  await putRRSet(key.name, 900, original);
  assert.deepEqual((await queryDns(pdns.dnsServer, key.name, 'A')).answers, []);

  const snap = await switchRecording(key);
  assert.deepEqual(snap.rrset, { name: key.name, type: 'A', ttl: 900, records: [], disabled: ['127.0.0.3', '127.0.0.6'] });
  assert.deepEqual((await queryDns(pdns.dnsServer, key.name, 'A')).answers, ['127.0.0.3']);
  // PowerDNS holds a value once per set: the production one is enabled rather than duplicated.
  assert.deepEqual((await listed(key.name, 'A'))?.records, [
    { content: '127.0.0.3', disabled: false },
    { content: '127.0.0.6', disabled: true },
  ]);

  assert.equal((await restoreSnapshot(provider, snap)).changed, true);
  assert.deepEqual(await listed(key.name, 'A'), { ttl: 900, records: original }, 'restored, not deleted');
  assert.deepEqual((await queryDns(pdns.dnsServer, key.name, 'A')).answers, []);
  assert.deepEqual(await restoreSnapshot(provider, snap), { changed: false });
});

/** The rrset's comments as the server holds them (account, content), read past the provider under test. */
async function commentsOf(name: string): Promise<{ account: string; content: string }[] | null> {
  const res = await fetch(`${pdns.apiUrl}/api/v1/servers/localhost/zones/example.test.`, { headers: { 'X-API-Key': pdns.apiKey } });
  const zone = (await res.json()) as { rrsets: { name: string; type: string; comments: { account: string; content: string }[] }[] };
  const found = zone.rrsets.find((r) => r.name === `${name}.` && r.type === 'A');
  return found === undefined ? null : found.comments.map((c) => ({ account: c.account, content: c.content }));
}

async function patchZone(rrset: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${pdns.apiUrl}/api/v1/servers/localhost/zones/example.test.`, {
    method: 'PATCH',
    headers: { 'X-API-Key': pdns.apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ rrsets: [rrset] }),
  });
  assert.equal(res.status, 204, await res.text());
}

test('rrset comments survive the switch and the rollback, also on a name whose set held only comments', async () => {
  const note = [{ account: 'ops', content: 'web origin, ticket 4711' }];
  const key = { zone: 'example.test', name: 'noted.example.test', type: 'A' };
  await patchZone({ name: `${key.name}.`, type: 'A', ttl: 600, changetype: 'REPLACE', records: [{ content: '127.0.0.2', disabled: false }], comments: note });
  const snap = await switchRecording(key);
  assert.deepEqual(await commentsOf(key.name), note, 'the switch leaves the comments');
  assert.equal((await restoreSnapshot(provider, snap)).changed, true);
  assert.deepEqual(await commentsOf(key.name), note, 'so does the restore');
  assert.deepEqual((await listed(key.name, 'A'))?.records, [{ content: '127.0.0.2', disabled: false }]);

  // No records, only a comment: the snapshot is "absent", and the rollback empties the set again.
  const reserved = [{ account: 'ops', content: 'reserved for the new shop' }];
  const empty = { zone: 'example.test', name: 'reserved.example.test', type: 'A' };
  await patchZone({ name: `${empty.name}.`, type: 'A', ttl: 600, changetype: 'REPLACE', records: [], comments: reserved });
  const snap2 = await switchRecording(empty);
  assert.equal(snap2.rrset, null);
  assert.deepEqual((await queryDns(pdns.dnsServer, empty.name, 'A')).answers, ['127.0.0.3']);
  assert.equal((await restoreSnapshot(provider, snap2)).changed, true);
  assert.deepEqual((await queryDns(pdns.dnsServer, empty.name, 'A')).answers, []);
  assert.deepEqual(await commentsOf(empty.name), reserved, 'the records are gone, the comment stays');
  assert.deepEqual(await restoreSnapshot(provider, snap2), { changed: false });

  // A set with no comments is still deleted outright.
  const plain = { zone: 'example.test', name: 'plain.example.test', type: 'A' };
  await restoreSnapshot(provider, await switchRecording(plain));
  assert.equal(await commentsOf(plain.name), null);
});

test('lowerTtl brings the TTL down and leaves the values', async () => {
  const res = await lowerTtl(provider, KEY, 300);
  assert.equal(res.changed, true);
  const a = await ask();
  assert.deepEqual(a.answers, ['127.0.0.2']);
  assert.equal(a.ttl, 300);
  assert.equal((await lowerTtl(provider, KEY, 300)).changed, false);
  await provider.replaceRecordSet('example.test', { name: 'www.example.test', type: 'A', ttl: 3600, records: ['127.0.0.2'] });
});

test('propagation: authoritative then resolvers, each with answer, TTL and latency', async () => {
  await applySwitch(provider, KEY, '127.0.0.3', { ttl: 60, recordSnapshot: () => undefined });
  const rounds: number[] = [];
  const res = await waitForPropagation({
    name: 'www.example.test',
    expected: ['127.0.0.3'],
    authoritative: [pdns.dnsServer],
    // The same server stands in for two resolvers: this test has no network beyond loopback.
    resolvers: [pdns.dnsServer, `${pdns.dnsHost}:${pdns.dnsPort}`],
    timeoutMs: 5000,
    intervalMs: 100,
    maxLatencyMs: 1000,
    onRound: (s) => rounds.push(s.filter((x) => x.ok).length),
  });
  assert.equal(res.ok, true);
  assert.equal(res.errorRate, 0);
  assert.deepEqual(rounds, [1, 3], 'authoritative round first, then the resolvers together');
  for (const s of res.servers) {
    assert.equal(s.ok, true);
    assert.deepEqual(s.answer, ['127.0.0.3']);
    assert.equal(s.ttl, 60);
    assert.equal(typeof s.latencyMs, 'number');
    assert.ok(s.latencyMs! >= 0 && s.latencyMs! < 1000);
  }
  assert.deepEqual(res.servers.map((s) => s.role), ['authoritative', 'resolver', 'resolver']);
  await provider.replaceRecordSet('example.test', { name: 'www.example.test', type: 'A', ttl: 3600, records: ['127.0.0.2'] });
});

test('propagation times out when a server keeps the old value or does not answer', async () => {
  const res = await waitForPropagation({
    name: 'www.example.test',
    expected: ['127.0.0.3'],
    authoritative: [pdns.dnsServer],
    resolvers: ['127.0.0.1:9'],
    timeoutMs: 600,
    intervalMs: 100,
    queryTimeoutMs: 300,
  });
  assert.equal(res.ok, false);
  const [auth, resolver] = res.servers;
  assert.deepEqual(auth?.answer, ['127.0.0.2']);
  assert.equal(auth?.ok, false);
  assert.match(resolver?.error ?? '', /not queried/);

  const dead = await waitForPropagation({ name: 'www.example.test', expected: ['127.0.0.2'], authoritative: [pdns.dnsServer], resolvers: ['127.0.0.1:9'], timeoutMs: 500, intervalMs: 100, queryTimeoutMs: 200 });
  assert.equal(dead.ok, false);
  assert.equal(dead.servers[0]?.ok, true);
  assert.match(dead.servers[1]?.error ?? '', /127\.0\.0\.1:9/);
  assert.equal(dead.errorRate, 0.5);
});

test('a wrong API key fails with SY_DNS_PROVIDER, no retry, and the key is not in the message', async () => {
  const wrongKey = 'definitely-not-the-key-12345';
  const bad = new PowerDnsProvider({ name: 'pdns-bad', url: pdns.apiUrl, apiKey: wrongKey, policy: { retries: 3, baseDelayMs: 500 } });
  const t0 = Date.now();
  await assert.rejects(bad.getRecordSet('example.test', 'www.example.test', 'A'), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.code, 'SY_DNS_PROVIDER');
    assert.match(err.message, /HTTP 401/);
    assert.match(err.message, /1 attempt/);
    assert.doesNotMatch(err.message, new RegExp(wrongKey));
    return true;
  });
  assert.ok(Date.now() - t0 < 500, 'a 401 is not retried');
});

test('a switch PowerDNS refuses outright (422) says nothing changed and writes no undo', async () => {
  let writes = 0;
  const realReplace = provider.replaceRecordSet.bind(provider);
  provider.replaceRecordSet = async (zone, rrset, opts) => {
    writes++;
    return realReplace(zone, rrset, opts);
  };
  try {
    await assert.rejects(applySwitch(provider, KEY, '127.0.0.300', { recordSnapshot: () => undefined }), (err: unknown) => {
      assert.ok(err instanceof SwitchyardError);
      assert.match(err.message, /PATCH .* failed after 1 attempt\(s\): HTTP 422: .*; nothing changed: the provider took no write, so www\.example\.test A still holds 127\.0\.0\.2, ttl 3600$/);
      assert.equal(err.details?.unchanged, true);
      return true;
    });
  } finally {
    provider.replaceRecordSet = realReplace;
  }
  assert.equal(writes, 1, 'the refused switch only: no undo write');
  assert.deepEqual((await ask()).answers, ['127.0.0.2']);
});
