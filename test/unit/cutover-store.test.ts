import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CutoverStore } from '../../controller/cutover/store/index.js';
import { fakePlan, tempStore } from '../helpers/cutover-fakes.js';

const AT = '2030-01-01T00:00:00.000Z';

test('a cutover is stored with one pending row per step, and survives reopening', (t) => {
  const { store, file } = tempStore(t);
  store.transaction(() => {
    store.cutovers.insert({ id: 'c1', site: 'example.com', plan: fakePlan(), createdBy: 'alice', at: AT });
    store.steps.insertAll('c1');
  });
  store.close();
  const again = CutoverStore.open(file);
  t.after(() => again.close());
  const row = again.cutovers.get('c1')!;
  assert.equal(row.state, 'planned');
  assert.equal(row.plan.dns.name, 'www.example.com');
  const steps = again.steps.list('c1');
  assert.equal(steps.length, 11);
  assert.equal(steps[0]!.name, 'preflight');
  assert.equal(steps.at(-1)!.name, 'fallback');
  assert.ok(steps.every((s) => s.state === 'pending' && s.attempt === 0));
});

test('a transaction that throws leaves nothing behind', (t) => {
  const { store } = tempStore(t);
  assert.throws(() =>
    store.transaction(() => {
      store.cutovers.insert({ id: 'c1', site: 'example.com', plan: fakePlan(), createdBy: 'alice', at: AT });
      store.audit.append({ at: AT, tokenName: 'alice', action: 'create', cutoverId: 'c1' });
      throw new Error('boom');
    }),
  );
  assert.equal(store.cutovers.get('c1'), undefined);
  assert.deepEqual(store.audit.recent(), []);
});

test('the run lock is taken by one owner at a time', (t) => {
  const { store } = tempStore(t);
  store.cutovers.insert({ id: 'c1', site: 's', plan: fakePlan(), createdBy: 'a', at: AT });
  assert.equal(store.cutovers.acquire('c1', 'one', AT), true);
  assert.equal(store.cutovers.acquire('c1', 'two', AT), false);
  store.cutovers.release('c1', 'two', AT);
  assert.equal(store.cutovers.get('c1')!.runOwner, 'one');
  store.cutovers.release('c1', 'one', AT);
  assert.equal(store.cutovers.acquire('c1', 'two', AT), true);
});

test('events are numbered per cutover from 1', (t) => {
  const { store } = tempStore(t);
  for (const id of ['a', 'b']) store.cutovers.insert({ id, site: 's', plan: fakePlan(), createdBy: 'x', at: AT });
  assert.equal(store.events.append({ cutoverId: 'a', at: AT, type: 'created', data: {} }).seq, 1);
  assert.equal(store.events.append({ cutoverId: 'a', at: AT, type: 'progress', data: { rows: 5n } as never }).seq, 2);
  assert.equal(store.events.append({ cutoverId: 'b', at: AT, type: 'created', data: {} }).seq, 1);
  assert.deepEqual(store.events.after('a', 1).map((e) => [e.seq, e.type, e.data]), [[2, 'progress', { rows: '5' }]]);
  assert.equal(store.events.lastSeq('a'), 2);
});

test('lowSince is the start of the latest unbroken run of low TTL sightings', (t) => {
  const { store } = tempStore(t);
  const rec = (ttl: number, at: string): void => store.ttlLowered.record({ zone: 'z', name: 'n', type: 'A', ttl, at, source: 'test' });
  assert.equal(store.ttlLowered.lowSince('z', 'n', 'A', 300), undefined);
  rec(60, '2030-01-01T00:00:00.000Z');
  rec(3600, '2030-01-02T00:00:00.000Z');
  rec(300, '2030-01-03T00:00:00.000Z');
  rec(120, '2030-01-04T00:00:00.000Z');
  assert.equal(store.ttlLowered.lowSince('z', 'n', 'A', 300), '2030-01-03T00:00:00.000Z');
  assert.equal(store.ttlLowered.lowSince('z', 'n', 'AAAA', 300), undefined);
});

test('the first DNS snapshot of a record is the one to restore', (t) => {
  const { store } = tempStore(t);
  store.cutovers.insert({ id: 'c1', site: 's', plan: fakePlan(), createdBy: 'x', at: AT });
  const first = store.dnsSnapshots.take({ cutoverId: 'c1', provider: 'p', zone: 'z', name: 'n', type: 'A', rrsetBefore: { records: ['1.1.1.1'] }, at: AT });
  store.dnsSnapshots.take({ cutoverId: 'c1', provider: 'p', zone: 'z', name: 'n', type: 'A', rrsetBefore: { records: ['2.2.2.2'] }, at: AT });
  store.dnsSnapshots.markApplied(first, AT, { records: ['2.2.2.2'] });
  const snap = store.dnsSnapshots.original<{ records: string[] }>('c1', 'z', 'n', 'A')!;
  assert.equal(snap.id, first);
  assert.deepEqual(snap.rrsetBefore.records, ['1.1.1.1']);
  assert.equal(snap.appliedAt, AT);
  // An absent record (nothing to restore but a delete) is a valid "before".
  const none = store.dnsSnapshots.take({ cutoverId: 'c1', provider: 'p', zone: 'z', name: 'm', type: 'A', rrsetBefore: null, at: AT });
  assert.equal(store.dnsSnapshots.get(none)!.rrsetBefore, null);
});
