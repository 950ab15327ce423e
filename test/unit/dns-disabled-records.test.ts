import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameRecordSet, servesNothing, type DnsProvider, type RecordSet } from '../../controller/dns/provider.js';
import { planSwitch } from '../../controller/dns/switch.js';

const base: RecordSet = { name: 'www.example.test', type: 'A', ttl: 600, records: ['192.0.2.1'], disabled: ['192.0.2.7'] };

test('sameRecordSet: disabled records are part of the set', () => {
  assert.equal(sameRecordSet(base, { ...base, disabled: ['192.0.2.7'] }), true);
  assert.equal(sameRecordSet(base, { ...base, disabled: undefined }), false, 'a lost disabled record is a difference');
  assert.equal(sameRecordSet(base, { ...base, disabled: ['192.0.2.8'] }), false);
  // The same values, one of them enabled instead of disabled, is not the same set.
  assert.equal(sameRecordSet(base, { ...base, records: ['192.0.2.1', '192.0.2.7'], disabled: undefined }), false);
  assert.equal(sameRecordSet({ ...base, disabled: [] }, { ...base, disabled: undefined }), true);
});

test('servesNothing: absent, or only disabled records', () => {
  assert.equal(servesNothing(null), true);
  assert.equal(servesNothing({ ...base, records: [] }), true);
  assert.equal(servesNothing(base), false);
});

function holding(set: RecordSet | null): DnsProvider {
  return {
    name: 'fake',
    kind: 'fake',
    getRecordSet: async () => set,
    replaceRecordSet: async () => {
      throw new Error('a plan writes nothing');
    },
  };
}

test('planSwitch keeps disabled records; one holding the new value is enabled instead', async () => {
  const key = { zone: 'example.test', name: 'www.example.test', type: 'A' };
  const kept = await planSwitch(holding(base), key, '192.0.2.3', { ttl: 60 });
  assert.deepEqual(kept.after, { name: 'www.example.test', type: 'A', ttl: 60, records: ['192.0.2.3'], disabled: ['192.0.2.7'] });
  assert.deepEqual(kept.before.rrset, base);

  const enabled = await planSwitch(holding({ ...base, records: [], disabled: ['192.0.2.3', '192.0.2.7'] }), key, '192.0.2.3');
  assert.deepEqual(enabled.after, { name: 'www.example.test', type: 'A', ttl: 600, records: ['192.0.2.3'], disabled: ['192.0.2.7'] });
  assert.equal(enabled.changes, true);

  // In place already, disabled record and all: nothing to change.
  const done = await planSwitch(holding({ ...base, records: ['192.0.2.3'] }), key, '192.0.2.3');
  assert.equal(done.changes, false);
});
