import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectLocaleFacts, parseLocaleList } from '../../agent/facts/locale.js';
import { collectFacts } from '../../agent/facts/collect.js';
import { capturingLogger, fakeBin, overTheWire, testAgentConfig } from '../helpers/facts.js';

const LOCALE_A = `case "$1" in
  -a) printf 'C\\nC.utf8\\nPOSIX\\nde_DE.utf8\\n\\nen_US.utf8\\n' ;;
  *) exit 2 ;;
esac`;

test('locale -a output is a sorted list without blank lines', () => {
  assert.deepEqual(parseLocaleList('POSIX\nC\n\nde_DE.utf8\nC\n'), ['C', 'POSIX', 'de_DE.utf8']);
});

test('the default locale comes from LANG and LC_ALL, the list from locale -a; facts travel over the wire', async (t) => {
  const path = fakeBin(t, { locale: LOCALE_A });
  const { facts, notes } = await collectLocaleFacts({ path }, { LANG: 'de_DE.UTF-8' });
  assert.deepEqual(facts, { lang: 'de_DE.UTF-8', lc_all: '', available: ['C', 'C.utf8', 'POSIX', 'de_DE.utf8', 'en_US.utf8'] });
  assert.deepEqual(notes, []);
  const wire = overTheWire(await collectFacts(testAgentConfig(), '', capturingLogger().logger, { tools: { path }, localeEnv: { LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' } }));
  assert.deepEqual(wire.locale, { lang: 'de_DE.UTF-8', lc_all: 'de_DE.UTF-8', available: ['C', 'C.utf8', 'POSIX', 'de_DE.utf8', 'en_US.utf8'], error: '' });
});

test('locale -a failing or absent is an error and a note, not an empty list', async (t) => {
  const failing = await collectLocaleFacts({ path: fakeBin(t, { locale: 'echo "locale: broken" >&2; exit 1' }) }, {});
  assert.match(failing.facts.error ?? '', /locale -a: exited with 1: locale: broken$/);
  assert.equal(failing.facts.available, undefined);
  assert.deepEqual(failing.notes, [`locale: ${failing.facts.error}`]);
  const absent = await collectLocaleFacts({ path: fakeBin(t, {}) }, { LANG: 'C.UTF-8' });
  assert.deepEqual(absent.facts, { lang: 'C.UTF-8', lc_all: '', error: 'locale not found on this host' });
});
