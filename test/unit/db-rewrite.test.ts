import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteText, forms, rewriteBytes, toBytes, containsOrigin } from '../../agent/db/rewrite/rewrite-value.js';
import { parseExact, serialize, structure, looksSerialized } from '../../agent/db/rewrite/php-serialize.js';
import { phpSerialize } from '../helpers/db-fixture.js';

const S = 'https://staging.example.com';
const P = 'https://www.example.com';
const reps = [{ from: S, to: P }];
const phpBytes = (v: unknown) => toBytes(phpSerialize(v));

test('plain text: every occurrence replaced and counted', () => {
  const r = rewriteText(`<a href="${S}/a">${S}/b</a>`, reps);
  assert.equal(r.value, `<a href="${P}/a">${P}/b</a>`);
  assert.equal(r.occurrences, 2);
  assert.equal(r.serialized, false);
  assert.equal(r.changed, true);
});

test('a value without the origin is unchanged', () => {
  const r = rewriteText('nothing to see', reps);
  assert.deepEqual([r.changed, r.value, r.occurrences], [false, 'nothing to see', 0]);
});

test('nested serialized arrays and objects get correct byte lengths', () => {
  const v = phpSerialize({ a: [`${S}/x`, { deep: { url: `${S}/y`, n: 1, f: 2.5, t: true, z: null } }], __class: 'WP_Thing' });
  const r = rewriteText(v, reps);
  assert.equal(r.value, phpSerialize({ a: [`${P}/x`, { deep: { url: `${P}/y`, n: 1, f: 2.5, t: true, z: null } }], __class: 'WP_Thing' }));
  assert.equal(r.serialized, true);
  assert.equal(r.occurrences, 2);
  assert.ok(parseExact(toBytes(r.value)));
});

test('multibyte characters: s:N counts bytes, not characters', () => {
  const v = phpSerialize({ title: 'Ünïcödé 😀', url: `${S}/😀` });
  const r = rewriteText(v, reps);
  assert.equal(r.value, phpSerialize({ title: 'Ünïcödé 😀', url: `${P}/😀` }));
  assert.match(r.value, /s:28:"https:\/\/www\.example\.com\/😀"/); // 24 ASCII bytes + a 4-byte emoji (JS length 26)
});

test('a serialized string holding a serialized string is rewritten at both depths', () => {
  const inner = phpSerialize({ url: `${S}/inner` });
  const outer = phpSerialize({ wrapped: inner, twice: phpSerialize(phpSerialize([`${S}/2`])) });
  const r = rewriteText(outer, reps);
  assert.equal(r.value, phpSerialize({ wrapped: phpSerialize({ url: `${P}/inner` }), twice: phpSerialize(phpSerialize([`${P}/2`])) }));
  assert.equal(structure(parseExact(toBytes(r.value))!), structure(parseExact(toBytes(outer))!));
});

test('serialized data mixed with other text: the fragment is rewritten as data, the text as text', () => {
  const frag = phpSerialize({ url: `${S}/m` });
  const r = rewriteText(`before ${S} ${frag} after ${S}/z`, reps);
  assert.equal(r.value, `before ${P} ${phpSerialize({ url: `${P}/m` })} after ${P}/z`);
  assert.equal(r.occurrences, 3);
});

test('a broken serialized value is left exactly as it was and reported', () => {
  const broken = `a:2:{s:3:"url";s:99:"${S}/broken";}`;
  const r = rewriteText(broken, reps);
  assert.equal(r.value, broken);
  assert.equal(r.changed, false);
  assert.equal(r.broken, true);
  const truncated = phpSerialize({ url: `${S}/t` }).slice(0, -3);
  assert.equal(rewriteText(truncated, reps).value, truncated);
  assert.equal(rewriteText(truncated, reps).broken, true);
});

test('a broken serialized string nested in valid data is carried over byte for byte', () => {
  const bad = `a:1:{s:1:"u";s:50:"${S}";}`;
  const v = phpSerialize({ bad, good: `${S}/g` });
  const r = rewriteText(v, reps);
  assert.equal(r.value, phpSerialize({ bad, good: `${P}/g` }));
  assert.equal(r.broken, true);
});

test('JSON-escaped and URL-encoded forms, both hex cases', () => {
  const json = JSON.stringify({ u: `${S}/j` }).replace(/\//g, '\\/');
  assert.equal(rewriteText(json, reps).value, JSON.stringify({ u: `${P}/j` }).replace(/\//g, '\\/'));
  assert.equal(rewriteText(`r=${encodeURIComponent(S + '/e')}`, reps).value, `r=${encodeURIComponent(P + '/e')}`);
  assert.equal(rewriteText('r=https%3a%2f%2fstaging.example.com%2fx', reps).value, 'r=https%3a%2f%2fwww.example.com%2fx');
  // JSON inside serialized data: lengths follow the escaped bytes.
  const v = phpSerialize({ json });
  assert.equal(rewriteText(v, reps).value, phpSerialize({ json: JSON.stringify({ u: `${P}/j` }).replace(/\//g, '\\/') }));
});

test('a longer replacement target than source and several rules', () => {
  const r = rewriteText(phpSerialize([`${S}/a`, 'http://cdn.staging.example.com/b']), [
    { from: S, to: 'https://a-much-longer-production-name.example.org' },
    { from: 'http://cdn.staging.example.com', to: 'https://cdn.example.com' },
  ]);
  assert.equal(r.value, phpSerialize(['https://a-much-longer-production-name.example.org/a', 'https://cdn.example.com/b']));
});

test('parser: every scalar type round-trips; junk is rejected', () => {
  for (const s of ['N;', 'b:1;', 'i:-42;', 'd:0.1;', 'd:-INF;', 's:0:"";', 'a:0:{}', 'O:8:"stdClass":0:{}', 'a:1:{i:0;R:1;}', 'C:3:"Foo":5:{abcde}', 'E:7:"Foo:Bar";']) {
    const v = parseExact(s);
    assert.ok(v, s);
    assert.equal(serialize(v), s);
  }
  for (const s of ['', 'a:1:{}', 's:5:"abc";', 'i:1', 'x:1;', 'a:1:{i:0;i:1;}trailing', 'a:1:{a:0:{}i:1;}']) assert.equal(parseExact(s), undefined, s);
  assert.equal(looksSerialized('a:2:{'), true);
  assert.equal(looksSerialized('hello'), false);
});

test('binary-safe: raw bytes that are not UTF-8 survive', () => {
  const raw = Buffer.concat([Buffer.from(`s:31:"`), Buffer.from([0xff, 0xfe, 0x00, 0x41]), Buffer.from(`${S}";`)]).toString('latin1');
  const r = rewriteBytes(raw, forms(reps));
  assert.equal(r.changed, true);
  assert.ok(parseExact(r.value));
  assert.deepEqual(Buffer.from(r.value, 'latin1').subarray(6, 10), Buffer.from([0xff, 0xfe, 0x00, 0x41]));
  assert.equal(containsOrigin(r.value, forms(reps)), false);
  assert.equal(phpBytes('x'), 's:1:"x";');
});
