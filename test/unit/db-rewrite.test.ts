import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteText, forms, rewriteBytes, toBytes, containsOrigin, hiddenOrigin } from '../../agent/db/rewrite/rewrite-value.js';
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

// JSON whose encoder writes every slash as \u002F (to keep </script> out of inline JSON), and a URL encoded twice.
const uEsc = (s: string) => s.replace(/\//g, '\\u002F');
const enc2 = (s: string) => encodeURIComponent(encodeURIComponent(s));

test('\\u002F-escaped slashes in JSON: rewritten in the same spelling, either hex case', () => {
  // The other \u escapes (& < > as block attributes write them) are the rest of the URL and carried over.
  const attrs = (o: string) => `{"url":"${uEsc(`${o}/img.jpg`)}","link":"${uEsc(`${o}/?a=1`)}\\u0026b=2","t":"\\u003Cb\\u003E"}`;
  const r = rewriteText(attrs(S), reps);
  assert.equal(r.value, attrs(P));
  assert.equal(r.occurrences, 2);
  assert.equal(rewriteText('u=https:\\u002f\\u002fstaging.example.com\\u002fx', reps).value, 'u=https:\\u002f\\u002fwww.example.com\\u002fx');
  assert.equal(rewriteText('u=HTTPS:\\u002F\\u002FStaging.Example.COM\\u002Fx', reps).value, `u=${uEsc(`${P}/x`)}`);
  // A path rule: the escapes in the path match in either case too; what follows keeps its spelling.
  const pathRule = [{ from: 'https://example.com/staging', to: 'https://example.com' }];
  assert.equal(rewriteText('https:\\u002f\\u002fexample.com\\u002fstaging\\u002fx', pathRule).value, 'https:\\u002f\\u002fexample.com\\u002fx');
});

test('\\u002F-escaped slashes inside serialized data: the string lengths follow the new bytes', () => {
  const v = phpSerialize({ block: `{"url":"${uEsc(`${S}/😀`)}"}`, n: 1 });
  const r = rewriteText(v, reps);
  assert.equal(r.value, phpSerialize({ block: `{"url":"${uEsc(`${P}/😀`)}"}`, n: 1 }));
  // 8 + 33 (the production origin with two \u002F) + 6 + 4 (the emoji) + 2 bytes, 4 fewer than before.
  assert.match(r.value, /s:53:"\{"url":"https:\\u002F\\u002Fwww\.example\.com\\u002F😀"\}"/);
  assert.match(v, /s:57:"/);
  assert.equal(structure(parseExact(toBytes(r.value))!), structure(parseExact(toBytes(v))!));
});

test('double URL-encoding (a URL in a parameter of a URL in a parameter): rewritten in the same spelling, either hex case', () => {
  const track = (o: string) => `https://t.example/c?u=${encodeURIComponent(`https://r.example/?to=${encodeURIComponent(`${o}/p?x=1`)}`)}`;
  assert.equal(rewriteText(track(S), reps).value, track(P));
  assert.equal(rewriteText(`r=${enc2(`${S}/e`)}`, reps).value, `r=${enc2(`${P}/e`)}`);
  assert.equal(rewriteText('r=https%253a%252f%252fstaging.example.com%252fx', reps).value, 'r=https%253a%252f%252fwww.example.com%252fx');
  assert.equal(rewriteText('r=HTTPS%253A%252F%252FSTAGING.EXAMPLE.COM%252Fx', reps).value, `r=${enc2(P)}%252Fx`);
  const pathRule = [{ from: 'https://example.com/staging', to: 'https://example.com' }];
  assert.equal(rewriteText('r=https%253a%252f%252fexample.com%252fstaging%252fx', pathRule).value, 'r=https%253a%252f%252fexample.com%252fx');
  // A port rule matches its port, encoded twice.
  const portRule = [{ from: 'http://staging.example.com:8080', to: P }];
  assert.equal(rewriteText(`r=${enc2('http://staging.example.com:8080/a')}`, portRule).value, `r=${enc2(`${P}/a`)}`);
  // Inside serialized data the length follows.
  assert.equal(rewriteText(phpSerialize({ u: enc2(`${S}/s`) }), reps).value, phpSerialize({ u: enc2(`${P}/s`) }));
});

test('\\u002F and double-encoded spellings end where the name ends, like the others', () => {
  for (const spell of [uEsc, enc2]) {
    const keep = [`${S}.evil.net/x`, 'https://staging.example.community/', `${S}:8443/a`, `${S}-old/`, `${S}_x`];
    for (const v of keep.map(spell)) {
      assert.equal(rewriteText(`see ${v} now`, reps).value, `see ${v} now`, v);
      assert.equal(containsOrigin(toBytes(v), forms(reps)), false, v);
    }
    const pathRule = [{ from: 'https://example.com/staging', to: 'https://example.com' }];
    assert.equal(rewriteText(spell('https://example.com/staging2/x'), pathRule).value, spell('https://example.com/staging2/x'));
    assert.equal(rewriteText(spell('https://example.com/staging/y'), pathRule).value, spell('https://example.com/y'));
    const portRule = [{ from: 'http://staging.example.com:8080', to: P }];
    assert.equal(rewriteText(spell('http://staging.example.com:80801/b'), portRule).value, spell('http://staging.example.com:80801/b'));
    // A rule that ends in a slash needs no end of name, whatever the slash is spelled as.
    assert.equal(rewriteText(spell(`${S}/x`), [{ from: `${S}/`, to: `${P}/` }]).value, spell(`${P}/x`));
    // What does end the name.
    for (const tail of ['/p', '?q=1', '']) assert.equal(rewriteText(`"${spell(S + tail)}"`, reps).value, `"${spell(P + tail)}"`, spell(S + tail));
  }
  // An IDN host, as written and in punycode.
  const idn = [{ from: 'https://bücher.example', to: P }];
  assert.equal(rewriteText(`${uEsc('https://bücher.example/a')} ${enc2('https://xn--bcher-kva.example/b')} ${enc2('https://bücher.example/c')}`, idn).value, `${uEsc(`${P}/a`)} ${enc2(`${P}/b`)} ${enc2(`${P}/c`)}`);
});

test('the final check sees an origin left in the \\u002F and double-encoded spellings, and an unsafe one is listed', () => {
  for (const v of [uEsc(`${S}/x`), 'https:\\u002f\\u002fstaging.example.com', enc2(S), 'https%253a%252f%252fstaging.example.com%252f']) assert.equal(containsOrigin(toBytes(v), forms(reps)), true, v);
  // In a C: payload: carried over and listed.
  const payload = `x:i:0;a:1:{i:0;s:${uEsc(S).length + 6}:"${uEsc(`${S}/c`)}";};m:a:0:{}`;
  const c = `C:11:"ArrayObject":${payload.length}:{${payload}}`;
  const r = rewriteText(`a:2:{i:0;${c}i:1;s:${uEsc(S).length}:"${uEsc(S)}";}`, reps);
  assert.equal(r.value, `a:2:{i:0;${c}i:1;s:${uEsc(P).length}:"${uEsc(P)}";}`);
  assert.equal(r.opaque, true);
  // In serialized data within escaped text: left whole and listed.
  const escaped = JSON.stringify({ opt: phpSerialize({ u: enc2(S) }) });
  assert.deepEqual([rewriteText(escaped, reps).value, rewriteText(escaped, reps).escaped], [escaped, true]);
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

test('an origin is matched where its name ends: longer hosts, other ports and longer paths are left alone', () => {
  const keep = [`${S}.evil.net/x`, 'https://staging.example.community/', `${S}:8443/a`, `${S}-old/`, `${S}_x`, encodeURIComponent(`${S}:8443/a`)];
  for (const v of keep) {
    const r = rewriteText(`see ${v} now`, reps);
    assert.equal(r.value, `see ${v} now`, v);
    assert.equal(containsOrigin(toBytes(v), forms(reps)), false, v);
  }
  // Inside serialized data too: the string and its length stay as they were.
  const ser = phpSerialize({ u: `${S}.evil.net/` });
  assert.equal(rewriteText(ser, reps).value, ser);
  // What does end the name: a path, a query, quotes, escapes, punctuation, the end of the text.
  for (const [a, b] of [
    [`${S}/p`, `${P}/p`],
    [`${S}?q=1`, `${P}?q=1`],
    [`"${S}"`, `"${P}"`],
    [`${S}.`, `${P}.`],
    [`(${S})`, `(${P})`],
    [`${S}:x`, `${P}:x`],
    [S, P],
  ]) assert.equal(rewriteText(a!, reps).value, b, a);
  // A rule with a path: /staging is not the start of /staging2.
  const pathRule = [{ from: 'https://example.com/staging', to: 'https://example.com' }];
  assert.equal(rewriteText('https://example.com/staging2/x and https://example.com/staging/y', pathRule).value, 'https://example.com/staging2/x and https://example.com/y');
  // A rule with a port matches that port only.
  const portRule = [{ from: 'http://staging.example.com:8080', to: P }];
  assert.equal(rewriteText('http://staging.example.com:8080/a http://staging.example.com:80801/b', portRule).value, `${P}/a http://staging.example.com:80801/b`);
  assert.equal(rewriteText(`r=${encodeURIComponent('http://staging.example.com:8080/a')}`, portRule).value, `r=${encodeURIComponent(`${P}/a`)}`);
  // A rule that ends in a slash needs no end of name.
  assert.equal(rewriteText(`${S}/x`, [{ from: `${S}/`, to: `${P}/` }]).value, `${P}/x`);
  assert.equal(rewriteText(encodeURIComponent(`${S}/x`), [{ from: `${S}/`, to: `${P}/` }]).value, encodeURIComponent(`${P}/x`));
  assert.equal(rewriteText(`${S}/x`.replace(/\//g, '\\/'), [{ from: `${S}/`, to: `${P}/` }]).value, `${P}/x`.replace(/\//g, '\\/'));
});

test('scheme and host match whatever their case; a path keeps its case', () => {
  assert.equal(rewriteText('<a href="HTTPS://Staging.Example.COM/x">', reps).value, `<a href="${P}/x">`);
  assert.equal(rewriteText('r=HTTPS%3A%2F%2FSTAGING.EXAMPLE.COM%2Fx', reps).value, `r=${encodeURIComponent(P)}%2Fx`);
  assert.equal(containsOrigin(toBytes('https://STAGING.example.com'), forms(reps)), true);
  const pathRule = [{ from: 'https://example.com/Staging', to: 'https://example.com' }];
  assert.equal(rewriteText('HTTPS://EXAMPLE.COM/Staging/a https://example.com/staging/b', pathRule).value, 'https://example.com/a https://example.com/staging/b');
  // Percent escapes match in either case, in the path too.
  assert.equal(rewriteText('r=https%3a%2f%2fexample.com%2fStaging%2fx', pathRule).value, 'r=https%3a%2f%2fexample.com%2fx');
});

test('several rules in one pass: what one rule wrote is not rewritten by the next', () => {
  const chain = [
    { from: S, to: 'https://example.com' },
    { from: 'https://example.com', to: P },
  ];
  assert.equal(rewriteText(`${S}/a https://example.com/b`, chain).value, `https://example.com/a ${P}/b`);
});

test('an IDN host matches as written and in punycode', () => {
  const idn = [{ from: 'https://bücher.example', to: P }];
  assert.equal(rewriteText('https://bücher.example/a https://xn--bcher-kva.example/b', idn).value, `${P}/a ${P}/b`);
  const ser = phpSerialize({ u: 'https://bücher.example/ü' });
  const r = rewriteText(ser, idn);
  assert.equal(r.value, phpSerialize({ u: `${P}/ü` }));
});

test('a C: (Serializable) payload is never resized: carried over and listed when it holds an origin', () => {
  const payload = `x:i:0;a:1:{i:0;s:${S.length + 2}:"${S}/c";};m:a:0:{}`;
  const c = `C:11:"ArrayObject":${payload.length}:{${payload}}`;
  // Mixed with text: the a:/s: inside the payload are not rewritten (that broke the C: length).
  const mixed = rewriteText(`cache ${c} and ${S}/d`, reps);
  assert.equal(mixed.value, `cache ${c} and ${P}/d`);
  assert.equal(mixed.opaque, true);
  assert.ok(parseExact(toBytes(c)));
  // Whole, or nested in an array: the rest is rewritten, the payload kept and listed.
  const whole = rewriteText(c, reps);
  assert.equal(whole.value, c);
  assert.equal(whole.opaque, true);
  const nested = rewriteText(`a:2:{i:0;${c}i:1;s:${S.length}:"${S}";}`, reps);
  assert.equal(nested.value, `a:2:{i:0;${c}i:1;s:${P.length}:"${P}";}`);
  assert.equal(nested.opaque, true);
  assert.ok(parseExact(toBytes(nested.value)));
  // A payload without an origin is not listed.
  assert.equal(rewriteText(`C:3:"Foo":5:{abcde} ${S}`, reps).opaque, false);
});

test('serialized data inside escaped text (JSON) with an origin: left whole and listed, never given wrong lengths', () => {
  const v = JSON.stringify({ opt: phpSerialize({ u: S }) });
  const r = rewriteText(v, reps);
  assert.equal(r.value, v);
  assert.equal(r.changed, false);
  assert.equal(r.escaped, true);
  // Without one it is not listed.
  assert.equal(rewriteText(JSON.stringify({ opt: phpSerialize({ u: 'x' }) }), reps).escaped, false);
  // Block editor attributes write a quote inside a string as \u0022: the same.
  const attr = `<!-- wp:x {"opt":"${phpSerialize({ u: S }).replace(/"/g, '\\u0022')}"} --> ${S}/p`;
  assert.deepEqual([rewriteText(attr, reps).value, rewriteText(attr, reps).escaped], [attr, true]);
});

test('text that merely starts like a scalar is text: rewritten, not listed as broken', () => {
  for (const head of ['b: see', 'i:', 'd: draft', 'i:5 items at']) {
    const r = rewriteText(`${head} ${S}/page`, reps);
    assert.equal(r.value, `${head} ${P}/page`, head);
    assert.equal(r.broken, false, head);
  }
  for (const s of ['b:1;', 'i:-3;', 'd:0.5;', 'd:-INF;', 'd:1.0E+25;']) assert.equal(looksSerialized(s), true, s);
  // Trailing text after a whole scalar still begins like one: left and listed, as before.
  assert.equal(rewriteText(`i:5;${S}`, reps).broken, true);
});

// The staging origin with the other web scheme and scheme-less, and what each becomes.
const H = 'http://staging.example.com';
const HP = 'http://www.example.com';
const R = '//staging.example.com';
const RP = '//www.example.com';
const jsonEsc = (s: string) => s.replace(/\//g, '\\/');
const SPELL: Array<[string, (s: string) => string]> = [
  ['plain', (s) => s],
  ['\\/', jsonEsc],
  ['\\u002F', uEsc],
  ['URL-encoded', encodeURIComponent],
  ['double URL-encoded', enc2],
];

test('the other web scheme and scheme-less (//host) are rewritten too, each keeping the scheme it was found with', () => {
  const page = (o: string, h: string, r: string) => `<a href="${o}/a">x</a> <a href="${h}/old-post/">y</a> <img src="${r}/wp-content/uploads/i.jpg"> url(${r}/bg.png)`;
  const r = rewriteText(page(S, H, R), reps);
  assert.equal(r.value, page(P, HP, RP));
  assert.equal(r.occurrences, 4);
  assert.equal(rewriteText('HTTP://Staging.Example.COM/x //STAGING.EXAMPLE.COM/y', reps).value, `${HP}/x ${RP}/y`);
  // A rule from http to https: its own origin gets to's scheme, the others keep theirs.
  const up = [{ from: H, to: P }];
  assert.equal(rewriteText(`${H}/a ${S}/b ${R}/c`, up).value, `${P}/a ${P}/b ${RP}/c`);
  // A port and a path are part of the origin in every scheme.
  const portRule = [{ from: 'http://staging.example.com:8080', to: P }];
  assert.equal(rewriteText('https://staging.example.com:8080/a //staging.example.com:8080/b //staging.example.com/c', portRule).value, `${P}/a ${RP}/b //staging.example.com/c`);
  const pathRule = [{ from: 'https://example.com/staging', to: 'https://example.com' }];
  assert.equal(rewriteText('http://example.com/staging/x //example.com/staging/y //example.com/staging2/z', pathRule).value, 'http://example.com/x //example.com/y //example.com/staging2/z');
  // An IDN host: as written and in punycode, in every scheme.
  const idn = [{ from: 'https://bücher.example', to: P }];
  assert.equal(rewriteText('http://bücher.example/a //xn--bcher-kva.example/b', idn).value, `${HP}/a ${RP}/b`);
});

test('the other web scheme and //host in every spelling: rewritten into the same spelling, either hex case', () => {
  for (const [name, spell] of SPELL) {
    for (const [from, to] of [
      [H, HP],
      [R, RP],
    ]) {
      const v = `see ${spell(`${from}/x?y=1`)} now`;
      assert.equal(rewriteText(v, reps).value, `see ${spell(`${to}/x?y=1`)} now`, `${name}: ${from}`);
      assert.equal(containsOrigin(toBytes(spell(`${from}/x`)), forms(reps)), true, `${name}: ${from}`);
    }
  }
  assert.equal(rewriteText('r=%2f%2fstaging.example.com%2fx', reps).value, 'r=%2f%2fwww.example.com%2fx');
  assert.equal(rewriteText('r=http%253a%252f%252fstaging.example.com%252fx', reps).value, 'r=http%253a%252f%252fwww.example.com%252fx');
  assert.equal(rewriteText('u=\\u002f\\u002fstaging.example.com\\u002fx', reps).value, 'u=\\u002f\\u002fwww.example.com\\u002fx');
});

test('//host starts only a scheme-less URL, and every scheme ends where the name ends', () => {
  const keep = [
    // Another name that merely contains the host, or continues it.
    '//xstaging.example.com/a',
    '//old.staging.example.com/a',
    '//staging.example.com.evil.net/a',
    '//staging.example.community/',
    '//staging.example.com-old/',
    `${H}.evil.net/a`,
    'http://old.staging.example.com/a',
    // A port the rule does not name.
    '//staging.example.com:8443/a',
    `${H}:8443/a`,
    // Another scheme's URL is not the web origin; after a slash, // is not followed by a host.
    'ftp://staging.example.com/a',
    'wss://staging.example.com/socket',
    'file:///staging.example.com/a',
  ];
  for (const [name, spell] of SPELL) {
    for (const k of keep) {
      const v = `see ${spell(k)} now`;
      assert.equal(rewriteText(v, reps).value, v, `${name}: ${k}`);
      assert.equal(containsOrigin(toBytes(spell(k)), forms(reps)), false, `${name}: ${k}`);
    }
  }
  // What does start and end it: quotes, brackets, spaces, a path, a query, the ends of the text.
  for (const [a, b] of [
    [R, RP],
    [`"${R}"`, `"${RP}"`],
    [`(${R}/p)`, `(${RP}/p)`],
    [`x ${R}?q=1`, `x ${RP}?q=1`],
    [`srcset="${R}/a.jpg 1x, ${R}/b.jpg 2x"`, `srcset="${RP}/a.jpg 1x, ${RP}/b.jpg 2x"`],
    [`${H}.`, `${HP}.`],
  ]) assert.equal(rewriteText(a!, reps).value, b, a);
});

test('the other scheme and //host in serialized data: the string lengths follow the new bytes', () => {
  const v = phpSerialize({ old: `${H}/😀`, img: `${R}/i.jpg`, json: `{"u":"${jsonEsc(`${R}/j`)}"}`, n: 1 });
  const r = rewriteText(v, reps);
  assert.equal(r.value, phpSerialize({ old: `${HP}/😀`, img: `${RP}/i.jpg`, json: `{"u":"${jsonEsc(`${RP}/j`)}"}`, n: 1 }));
  // 22 + 1 + 4 (the emoji) bytes, 4 fewer than before; 17 + 6, 4 fewer.
  assert.match(r.value, /s:27:"http:\/\/www\.example\.com\/😀"/);
  assert.match(v, /s:31:"http:\/\/staging/);
  assert.match(r.value, /s:23:"\/\/www\.example\.com\/i\.jpg"/);
  assert.match(v, /s:27:"\/\/staging/);
  assert.equal(r.occurrences, 3);
  assert.equal(structure(parseExact(toBytes(r.value))!), structure(parseExact(toBytes(v))!));
});

test('the final check finds the other scheme and //host where they are left: a C: payload, an array key', () => {
  const payload = `x:i:0;a:1:{i:0;s:${R.length + 2}:"${R}/c";};m:a:0:{}`;
  const c = `C:11:"ArrayObject":${payload.length}:{${payload}}`;
  const r = rewriteText(`a:2:{i:0;${c}i:1;s:${H.length}:"${H}";}`, reps);
  assert.equal(r.value, `a:2:{i:0;${c}i:1;s:${HP.length}:"${HP}";}`);
  assert.equal(r.opaque, true);
  assert.equal(containsOrigin(toBytes(r.value), forms(reps)), true);
  const key = `a:1:{s:${H.length + 2}:"${H}/k";i:1;}`;
  assert.equal(rewriteText(key, reps).value, key);
  assert.equal(containsOrigin(toBytes(key), forms(reps)), true);
});

test('rules and schemes: a rule naming an origin wins over another rule\'s scheme variant, and is followed', () => {
  // http://staging has its own rule: that one applies.
  const own = [
    { from: S, to: P },
    { from: H, to: 'https://legacy.example.com' },
  ];
  assert.equal(rewriteText(`${S}/a ${H}/b ${R}/c`, own).value, `${P}/a https://legacy.example.com/b ${RP}/c`);
  // A rule for the origin the variant would write (http://www → https://www) is followed, so nothing is left for the final check.
  const upgrade = [
    { from: S, to: P },
    { from: HP, to: P },
  ];
  const r = rewriteText(`${H}/a ${HP}/b ${R}/c`, upgrade);
  assert.equal(r.value, `${P}/a ${P}/b ${RP}/c`);
  assert.equal(containsOrigin(toBytes(r.value), forms(upgrade)), false);
  // A scheme upgrade alone: https://example.com is what it writes, not an origin left.
  const https = [{ from: 'http://example.com', to: 'https://example.com' }];
  const u = rewriteText('http://example.com/a https://example.com/b //example.com/c', https);
  assert.deepEqual([u.value, u.occurrences], ['https://example.com/a https://example.com/b //example.com/c', 1]);
  assert.equal(containsOrigin(toBytes(u.value), forms(https)), false);
});

test('schemes: exact matches the origin only as written', () => {
  const exact = [{ from: S, to: P, schemes: 'exact' as const }];
  const v = `${S}/a ${H}/b ${R}/c ${enc2(`${R}/d`)}`;
  assert.equal(rewriteText(v, exact).value, `${P}/a ${H}/b ${R}/c ${enc2(`${R}/d`)}`);
  assert.equal(containsOrigin(toBytes(`${H}/b ${R}/c`), forms(exact)), false);
});

test('HTML-entity slashes (&#x2F; in either hex case, &#47;) are rewritten in their own spelling, every scheme', () => {
  const ent = (s: string, e: string) => s.replace(/\//g, e);
  // As mustache.js, Underscore or OWASP's encoder write an attribute, e.g. an embed snippet pasted into a post.
  const v = `<iframe src="${ent(`${S}/embed?a=1&amp;b=2`, '&#x2F;')}"></iframe> ${ent(`${H}/h`, '&#x2f;')} ${ent(`${R}/r`, '&#47;')}`;
  const r = rewriteText(v, reps);
  assert.equal(r.value, `<iframe src="${ent(`${P}/embed?a=1&amp;b=2`, '&#x2F;')}"></iframe> ${ent(`${HP}/h`, '&#x2f;')} ${ent(`${RP}/r`, '&#47;')}`);
  assert.equal(r.occurrences, 3);
  assert.equal(r.hidden, false);
  const fs = forms(reps);
  assert.equal(containsOrigin(toBytes(v), fs), true);
  // Look-alikes stay: another host, another port, a path's //host, another scheme.
  for (const same of [ent(`${S}.evil.net/x`, '&#x2F;'), `${S}&#x3A;8443/x`, ent(`file:///staging.example.com/x`, '&#x2F;'), ent('ftp://staging.example.com/x', '&#47;')]) {
    assert.equal(rewriteText(same, reps).value, same, same);
    assert.equal(containsOrigin(toBytes(same), fs), false, same);
    assert.equal(hiddenOrigin(toBytes(same), fs), false, same);
  }
});

test('an origin in a spelling no form knows is left as it was but reported, in the value and by the final check', () => {
  const fs = forms(reps);
  for (const v of [
    'https&colon;&sol;&sol;staging.example.com&sol;a', // PHP htmlentities(…, ENT_HTML5)
    'https:&amp;#x2F;&amp;#x2F;staging.example.com/a', // an entity escaped once more
    'https\\u003A\\/\\/staging.example.com\\/a', // a \u-escaped colon
    'https:\\/\\u002Fstaging.example.com/a', // two spellings in one URL
    'https:\\\\\\/\\\\\\/staging.example.com/a', // JSON inside JSON
    encodeURIComponent(encodeURIComponent(encodeURIComponent(`${S}/a`))), // encoded three times
    'http%3A//staging.example.com/a', // only the colon encoded
  ]) {
    const r = rewriteText(`${v} and ${S}/b`, reps);
    assert.equal(r.value, `${v} and ${P}/b`, v);
    assert.equal(r.hidden, true, v);
    assert.equal(containsOrigin(toBytes(r.value), fs), false, v);
    assert.equal(hiddenOrigin(toBytes(r.value), fs), true, v);
  }
  // Escapes elsewhere in a value whose origins are all rewritten are not a hidden origin.
  const plain = rewriteText(`${S}/a?q=%3Cb%3E&amp;x=\\u0026 https:\\/\\/staging.example.com\\/c mailto:admin@staging.example.com`, reps);
  assert.equal(plain.hidden, false);
  assert.equal(plain.occurrences, 2);
  // An IDN host as json_encode writes it by default: its non-ASCII letter \u-escaped.
  const idn = [{ from: 'https://bücher.example', to: 'https://books.example' }];
  const j = rewriteText('{"u":"https:\\/\\/b\\u00fccher.example\\/x"} https://bücher.example/y', idn);
  assert.deepEqual([j.value, j.hidden], ['{"u":"https:\\/\\/b\\u00fccher.example\\/x"} https://books.example/y', true]);
  // A colon written as an entity is not looked for: //host after it is rewritten as scheme-less.
  assert.equal(rewriteText('https&#58;//staging.example.com/a', reps).value, 'https&#58;//www.example.com/a');
});

test("Jetpack's image proxy: a staging host after i0–i3.wp.com is rewritten to production's, in every spelling", () => {
  const r = rewriteText(
    `<img src="https://i0.wp.com/staging.example.com/wp-content/uploads/a.jpg?ssl=1" srcset="//I2.WP.COM/Staging.Example.COM/b.jpg 2x"> {"u":"https:\\/\\/i1.wp.com\\/staging.example.com\\/c.jpg"}`,
    reps,
  );
  assert.equal(
    r.value,
    `<img src="https://i0.wp.com/www.example.com/wp-content/uploads/a.jpg?ssl=1" srcset="//i2.wp.com/www.example.com/b.jpg 2x"> {"u":"https:\\/\\/i1.wp.com\\/www.example.com\\/c.jpg"}`,
  );
  assert.equal(r.occurrences, 3);
  const fs = forms(reps);
  assert.equal(containsOrigin(toBytes('https://i3.wp.com/staging.example.com/d.jpg'), fs), true);
  // Not another proxy host, not a longer host behind it, not with schemes: exact.
  for (const same of ['https://xi0.wp.com/staging.example.com/a.jpg', 'https://i0.wp.com/staging.example.com.evil.net/a.jpg', 'https://i4.wp.com/staging.example.com/a.jpg']) {
    assert.equal(rewriteText(same, reps).value, same);
  }
  const exact = 'https://i0.wp.com/staging.example.com/a.jpg';
  assert.equal(rewriteText(exact, [{ from: S, to: P, schemes: 'exact' }]).value, exact);
  // A rule with a path maps the path too.
  assert.equal(rewriteText('https://i0.wp.com/example.com/staging/a.jpg', [{ from: 'https://example.com/staging', to: 'https://www.example.com/live' }]).value, 'https://i0.wp.com/www.example.com/live/a.jpg');
});

test("WPBakery's Raw HTML / Raw JS: origins inside the base64-encoded, URL-encoded payload are rewritten and found", () => {
  // As WPBakery writes it: base64 of rawurlencode (encodeURIComponent with !'()* escaped too).
  const rawurlencode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const enc = (html: string) => Buffer.from(rawurlencode(html)).toString('base64');
  const html = (o: string) => `<a href="${o}/p?a=1&b=2">it's (ü)</a><img src="//${o.slice(8)}/i.png">`;
  const v = `[vc_row][vc_column][vc_raw_html css=".vc_custom_1{}"]${enc(html(S))}[/vc_raw_html][vc_raw_js]${enc(`<script>var u="${S}"</script>`)}[/vc_raw_js][/vc_column][/vc_row] ${S}/t`;
  const r = rewriteText(v, reps);
  assert.equal(r.value, `[vc_row][vc_column][vc_raw_html css=".vc_custom_1{}"]${enc(html(P))}[/vc_raw_html][vc_raw_js]${enc(`<script>var u="${P}"</script>`)}[/vc_raw_js][/vc_column][/vc_row] ${P}/t`);
  assert.equal(r.occurrences, 4);
  const fs = forms(reps);
  assert.equal(containsOrigin(toBytes(`[vc_raw_html]${enc(html(S))}[/vc_raw_html]`), fs), true);
  assert.equal(containsOrigin(toBytes(r.value), fs), false);
  // Inside serialized data (a saved template) the lengths follow.
  const tpl = phpSerialize({ t: { name: 'x', template: `[vc_raw_html]${enc(html(S))}[/vc_raw_html]` } });
  assert.equal(rewriteText(tpl, reps).value, phpSerialize({ t: { name: 'x', template: `[vc_raw_html]${enc(html(P))}[/vc_raw_html]` } }));
  // An origin in a spelling no form knows inside the payload is reported.
  assert.equal(rewriteText(`[vc_raw_html]${enc('https&colon;&sol;&sol;staging.example.com/a')}[/vc_raw_html]`, reps).hidden, true);
});
