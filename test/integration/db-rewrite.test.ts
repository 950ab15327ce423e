import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withMariaDb } from '../helpers/mariadb.js';
import { agentConfig, loadFixture, phpSerialize, startDbAgent, unaryCall, PRODUCTION_ORIGIN as P, STAGING_ORIGIN as S, SERIALIZED_OPTIONS } from '../helpers/db-fixture.js';
import type { RewriteReport__Output } from '../../shared/proto-gen/switchyard/v1/RewriteReport.js';

// JSON whose encoder writes every slash as \u002F (to keep </script> out of inline JSON), and a URL encoded twice.
const uEsc = (s: string) => s.replace(/\//g, '\\u002F');
const enc2 = (s: string) => encodeURIComponent(encodeURIComponent(s));
const jsonEsc = (s: string) => s.replace(/\//g, '\\/');
// The staging origin with the other web scheme and scheme-less, and what each becomes.
const H = 'http://staging.example.com';
const HP = 'http://www.example.com';
const R = '//staging.example.com';
const RP = '//www.example.com';

test('URL rewrite on production: dry run counts, then a serialization-safe rewrite that proves itself', async (t) => {
  const db = await withMariaDb(t, { host: '127.0.0.3', databases: ['shop'] });
  const root = await db.rootConnection();
  t.after(() => root.end());
  await loadFixture(root, 'shop');
  const agent = await startDbAgent(t, agentConfig('prod-1', db));
  const rules = [{ from: S, to: P, skip_columns: ['guid'] }];
  const option = async (name: string) => {
    const [[r]] = (await root.query('SELECT option_value AS v FROM shop.wp_options WHERE option_name = ?', [name])) as unknown as [[{ v: string }]];
    return r.v;
  };
  const original = new Map(SERIALIZED_OPTIONS);

  const dry = await unaryCall<object, RewriteReport__Output>(agent.client, 'RewriteUrls', { schema: 'shop', rules, dry_run: true });
  assert.equal(dry.dry_run, true);
  const optCol = dry.columns.find((c) => c.table === 'wp_options' && c.column === 'option_value')!;
  assert.equal(Number(optCol.values_changed), 8, 'siteurl, home, nested, object, serialized-in-serialized, mixed, json, urlencoded');
  assert.ok(Number(optCol.serialized_values) >= 4);
  assert.ok(dry.columns.some((c) => c.table === 'wp_posts' && c.column === 'post_content'));
  assert.ok(!dry.columns.some((c) => c.column === 'guid'), 'guid is skipped');
  assert.deepEqual(dry.broken.map((b) => [b.table, b.column]), [['wp_options', 'option_value']]);
  assert.equal(await option('siteurl'), S, 'a dry run changes nothing');

  const done = await unaryCall<object, RewriteReport__Output>(agent.client, 'RewriteUrls', { schema: 'shop', rules, dry_run: false });
  assert.equal(Number(done.values_changed), Number(dry.values_changed));
  assert.equal(Number(done.origins_left), 0, done.problems.join('; '));
  assert.equal(Number(done.structure_changed), 0);
  assert.deepEqual(done.problems, []);

  assert.equal(await option('siteurl'), P);
  assert.equal(await option('widget_nested'), phpSerialize({ title: 'Links', urls: [`${P}/a`, `${P}/b/😀`], deep: { deeper: { url: `${P}/deep`, n: 3, f: 1.5, ok: true, none: null } } }));
  assert.equal(await option('serialized_in_serialized'), phpSerialize({ inner: phpSerialize({ url: `${P}/inner`, list: [`${P}/x`] }) }));
  assert.equal(await option('mixed_text'), `prefix ${P}/p and then ${phpSerialize({ url: `${P}/m` })} suffix`);
  assert.equal(await option('broken_serialized'), original.get('broken_serialized'), 'broken value untouched');
  assert.equal(await option('json_escaped'), JSON.stringify({ url: `${P}/json`, nested: { u: `${P}/n` } }).replace(/\//g, '\\/'));
  assert.equal(await option('url_encoded'), `redirect=${encodeURIComponent(`${P}/enc?x=1`)}`);
  const [[post]] = (await root.query('SELECT guid, post_content FROM shop.wp_posts WHERE ID = 1')) as unknown as [[{ guid: string; post_content: string }]];
  assert.equal(post.guid, `${S}/?p=1`);
  assert.equal(post.post_content, `<a href="${P}/hello">x</a> ${P}/img.png`);
  const [[doc]] = (await root.query('SELECT JSON_VALUE(doc, "$.url") AS u, JSON_VALID(doc) AS ok FROM shop.docs WHERE id = 1')) as unknown as [[{ u: string; ok: number }]];
  assert.deepEqual([doc.u, doc.ok], [`${P}/j`, 1]);

  const again = await unaryCall<object, RewriteReport__Output>(agent.client, 'RewriteUrls', { schema: 'shop', rules, dry_run: false });
  assert.equal(Number(again.values_changed), 0, 'a second run has nothing left to do');
});

test('URL rewrite finds every spelling of an origin, leaves look-alike hosts alone, and lists what it cannot rewrite safely', async (t) => {
  const db = await withMariaDb(t, { host: '127.0.0.3', databases: ['shop'] });
  const root = await db.rootConnection();
  t.after(() => root.end());
  const agent = await startDbAgent(t, agentConfig('prod-1', db));
  const PORT = 'http://staging.example.com:8080';
  const IDN = 'https://bücher.example';
  const payload = `x:i:0;a:1:{i:0;s:${S.length + 2}:"${S}/c";};m:a:0:{}`;
  const cObj = `C:11:"ArrayObject":${payload.length}:{${payload}}`;
  const escaped = JSON.stringify({ opt: phpSerialize({ u: `${S}/j` }) });
  const uPayload = `x:i:0;a:1:{i:0;s:${uEsc(S).length}:"${uEsc(S)}";};m:a:0:{}`;
  const uObj = `C:11:"ArrayObject":${uPayload.length}:{${uPayload}}`;
  const json = (o: string) => `{"url":"${uEsc(`${o}/img.jpg`)}","link":"${uEsc(`${o}/?a=1`)}\\u0026b=2"}`;
  const track = (o: string) => `https://t.example/c?u=${encodeURIComponent(`https://r.example/?to=${encodeURIComponent(`${o}/p`)}`)}`;
  const rows: Array<[string, string, string]> = [
    // name, value before, value after
    ['lookalike', `${S}.evil.net/x https://staging.example.community/ ${S}-old/`, `${S}.evil.net/x https://staging.example.community/ ${S}-old/`],
    ['upper', 'HTTPS://STAGING.EXAMPLE.COM/a', `${P}/a`],
    ['port_encoded', `r=${encodeURIComponent(`${PORT}/a`)}`, `r=${encodeURIComponent(`${P}/a`)}`],
    ['idn', phpSerialize({ u: `${IDN}/ü` }), phpSerialize({ u: `${P}/ü` })],
    ['idn_encoded', `r=${encodeURIComponent(`${IDN}/a`)} ${enc2(`${IDN}/b`)}`, `r=${encodeURIComponent(`${P}/a`)} ${enc2(`${P}/b`)}`],
    ['serializable', `a:2:{i:0;${cObj}i:1;s:${S.length}:"${S}";}`, `a:2:{i:0;${cObj}i:1;s:${P.length}:"${P}";}`],
    ['escaped', escaped, escaped],
    ['scalar_text', `b: see ${S}/page`, `b: see ${P}/page`],
    ['u002f', json(S), json(P)],
    ['u002f_lower', 'https:\\u002f\\u002fstaging.example.com\\u002fx', 'https:\\u002f\\u002fwww.example.com\\u002fx'],
    ['u002f_serialized', phpSerialize({ json: json(S), n: 1 }), phpSerialize({ json: json(P), n: 1 })],
    ['double_encoded', track(S), track(P)],
    ['double_encoded_lower', 'r=https%253a%252f%252fstaging.example.com%252fx', 'r=https%253a%252f%252fwww.example.com%252fx'],
    ['double_encoded_port', `r=${enc2(`${PORT}/a`)}`, `r=${enc2(`${P}/a`)}`],
    ['lookalike_spelled', [uEsc, enc2].map((f) => f(`${S}.evil.net/x ${S}:8443/y`)).join(' '), [uEsc, enc2].map((f) => f(`${S}.evil.net/x ${S}:8443/y`)).join(' ')],
    ['serializable_u002f', `a:2:{i:0;${uObj}i:1;s:${enc2(S).length}:"${enc2(S)}";}`, `a:2:{i:0;${uObj}i:1;s:${enc2(P).length}:"${enc2(P)}";}`],
    // The other web scheme and scheme-less: each keeps the scheme it was found with.
    ['other_scheme', `<a href="${H}/old-post/">old</a>`, `<a href="${HP}/old-post/">old</a>`],
    ['schemeless', `<img src="${R}/wp-content/uploads/a.jpg" srcset="${R}/b.jpg 2x">`, `<img src="${RP}/wp-content/uploads/a.jpg" srcset="${RP}/b.jpg 2x">`],
    ['schemeless_serialized', phpSerialize({ logo: `${R}/logo.png`, old: `${H}/😀`, n: 1 }), phpSerialize({ logo: `${RP}/logo.png`, old: `${HP}/😀`, n: 1 })],
    ['schemeless_spelled', `{"u":"${jsonEsc(`${R}/j`)}","v":"${uEsc(`${H}/k`)}"} r=${encodeURIComponent(`${R}/e`)}&s=${enc2(`${H}/f`)}`, `{"u":"${jsonEsc(`${RP}/j`)}","v":"${uEsc(`${HP}/k`)}"} r=${encodeURIComponent(`${RP}/e`)}&s=${enc2(`${HP}/f`)}`],
    ['schemeless_port', `${R}:8080/p https://staging.example.com:8080/q`, `${RP}/p ${P}/q`],
    ['schemeless_lookalike', `//xstaging.example.com/a //old.staging.example.com/b ${R}:8443/c ${R}.evil.net/d ftp://staging.example.com/e`, `//xstaging.example.com/a //old.staging.example.com/b ${R}:8443/c ${R}.evil.net/d ftp://staging.example.com/e`],
  ];
  await root.query('CREATE TABLE shop.opts (name VARCHAR(64) PRIMARY KEY, v LONGTEXT) DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_unicode_ci');
  for (const [name, v] of rows) await root.query('INSERT INTO shop.opts VALUES (?, ?)', [name, v]);
  const rules = [
    { from: S, to: P, skip_columns: [] },
    { from: PORT, to: P, skip_columns: [] },
    { from: IDN, to: P, skip_columns: [] },
  ];
  // Counts per column include every scheme: 3 here, 1 of each.
  await root.query('CREATE TABLE shop.pages (id INT PRIMARY KEY, body TEXT) DEFAULT CHARSET utf8mb4');
  await root.query('INSERT INTO shop.pages VALUES (1, ?), (2, ?)', [`${S}/a ${H}/b ${R}/c`, 'no origin']);
  const dry = await unaryCall<object, RewriteReport__Output>(agent.client, 'RewriteUrls', { schema: 'shop', rules, dry_run: true });
  assert.deepEqual(
    dry.columns.filter((c) => c.table === 'pages').map((c) => [c.column, Number(c.values_changed), Number(c.occurrences)]),
    [['body', 1, 3]],
  );
  const done = await unaryCall<object, RewriteReport__Output>(agent.client, 'RewriteUrls', { schema: 'shop', rules, dry_run: false });
  assert.deepEqual(done.columns, dry.columns, 'the dry run counted what was done');
  const [[page]] = (await root.query('SELECT body FROM shop.pages WHERE id = 1')) as unknown as [[{ body: string }]];
  assert.equal(page.body, `${P}/a ${HP}/b ${RP}/c`);
  const [got] = (await root.query('SELECT name, v FROM shop.opts')) as unknown as [Array<{ name: string; v: string }>];
  const byName = new Map(got.map((r) => [r.name, r.v]));
  for (const [name, , after] of rows) assert.equal(byName.get(name), after, name);
  // The values with an origin left in them are listed, each with its reason; nothing else is.
  assert.deepEqual(done.broken.map((b) => b.key).sort(), ['escaped', 'serializable', 'serializable_u002f']);
  assert.match(done.broken.find((b) => b.key === 'serializable_u002f')!.reason, /C: \(Serializable\) payload/);
  assert.match(done.broken.find((b) => b.key === 'serializable')!.reason, /C: \(Serializable\) payload/);
  assert.match(done.broken.find((b) => b.key === 'escaped')!.reason, /escaped text/);
  assert.equal(Number(done.origins_left), 0, done.problems.join('; '));
  assert.deepEqual(done.problems, []);
  assert.equal(Number(done.values_changed), 13 + 5 + 1);
});

test('the final check finds an origin left in the \\u002F and double-encoded spellings, with the other scheme and scheme-less', async (t) => {
  const db = await withMariaDb(t, { host: '127.0.0.3', databases: ['shop'] });
  const root = await db.rootConnection();
  t.after(() => root.end());
  const agent = await startDbAgent(t, agentConfig('prod-1', db));
  // Array keys are left as they are (as wp search-replace does), so an origin in one survives the rewrite.
  const key = (url: string) => `a:1:{s:${url.length}:"${url}";i:1;}`;
  await root.query('CREATE TABLE shop.opts (name VARCHAR(64) PRIMARY KEY, v LONGTEXT, skipped TEXT) DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_unicode_ci');
  for (const [name, url] of [
    ['key_u002f', uEsc(`${S}/k`)],
    ['key_double', enc2(`${S}/k`)],
    ['key_http', `${H}/k`],
    ['key_schemeless', `${R}/k`],
    ['key_schemeless_encoded', encodeURIComponent(`${R}/k`)],
  ]) await root.query('INSERT INTO shop.opts VALUES (?, ?, ?)', [name, key(url!), key(url!)]);
  // schemes: exact checks for the origin only as written; anything but all or exact is refused.
  const exact = await unaryCall<object, RewriteReport__Output>(agent.client, 'RewriteUrls', { schema: 'shop', rules: [{ from: S, to: P, skip_columns: ['skipped'], schemes: 'exact' }], dry_run: false });
  assert.deepEqual(exact.problems.sort(), ['key_double', 'key_u002f'].map((k) => `opts.v key ${k}: origin still present after rewrite`));
  // Said back, so the controller can tell this agent from an older one that ignores the field.
  assert.deepEqual(exact.schemes_applied, ['exact']);
  await assert.rejects(
    unaryCall(agent.client, 'RewriteUrls', { schema: 'shop', rules: [{ from: S, to: P, skip_columns: [], schemes: 'both' }], dry_run: true }),
    /schemes "both" is not one of all, exact/,
  );
  const done = await unaryCall<object, RewriteReport__Output>(agent.client, 'RewriteUrls', { schema: 'shop', rules: [{ from: S, to: P, skip_columns: ['skipped'] }], dry_run: false });
  assert.deepEqual(done.schemes_applied, ['all'], 'a request without schemes means all');
  assert.equal(Number(done.values_changed), 0);
  assert.equal(Number(done.origins_left), 5);
  assert.deepEqual(
    done.problems.sort(),
    ['key_double', 'key_http', 'key_schemeless', 'key_schemeless_encoded', 'key_u002f'].map((k) => `opts.v key ${k}: origin still present after rewrite`),
  );
});

test('a column one rule skips is rewritten by the other rules only', async (t) => {
  const db = await withMariaDb(t, { host: '127.0.0.3', databases: ['shop'] });
  const root = await db.rootConnection();
  t.after(() => root.end());
  const agent = await startDbAgent(t, agentConfig('prod-1', db));
  const CDN = 'https://cdn.staging.example.com';
  await root.query('CREATE TABLE shop.wp_posts (ID INT PRIMARY KEY, guid VARCHAR(255), post_content TEXT) DEFAULT CHARSET utf8mb4');
  await root.query('INSERT INTO shop.wp_posts VALUES (1, ?, ?)', [`${S}/?p=1 ${CDN}/a.jpg`, `${S}/p ${H}/q ${CDN}/b.jpg`]);
  const rules = [
    { from: S, to: P, skip_columns: ['guid'] },
    { from: CDN, to: 'https://cdn.example.com', skip_columns: ['post_content'] },
  ];
  const dry = await unaryCall<object, RewriteReport__Output>(agent.client, 'RewriteUrls', { schema: 'shop', rules, dry_run: true });
  assert.deepEqual(dry.columns.map((c) => [c.column, Number(c.occurrences)]).sort(), [['guid', 1], ['post_content', 2]]);
  const done = await unaryCall<object, RewriteReport__Output>(agent.client, 'RewriteUrls', { schema: 'shop', rules, dry_run: false });
  const [[post]] = (await root.query('SELECT guid, post_content FROM shop.wp_posts')) as unknown as [[{ guid: string; post_content: string }]];
  assert.equal(post.guid, `${S}/?p=1 https://cdn.example.com/a.jpg`);
  assert.equal(post.post_content, `${P}/p ${HP}/q ${CDN}/b.jpg`);
  // Neither is an origin left: each column is checked for the rules that apply to it.
  assert.equal(Number(done.origins_left), 0, done.problems.join('; '));
  assert.deepEqual(done.problems, []);
});

test('page-builder and escaper spellings: &#x2F;, the image proxy and WPBakery Raw HTML rewritten; an unknown spelling listed, not passed silently', async (t) => {
  const db = await withMariaDb(t, { host: '127.0.0.3', databases: ['shop'] });
  const root = await db.rootConnection();
  t.after(() => root.end());
  const agent = await startDbAgent(t, agentConfig('prod-1', db));
  const rawurlencode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const raw = (html: string) => Buffer.from(rawurlencode(html)).toString('base64');
  const ent = (s: string) => s.replace(/\//g, '&#x2F;');
  const proxy = (o: string) => `https://i0.wp.com/${o.slice(8)}/wp-content/uploads/a.jpg?ssl=1`;
  const rawHtml = (o: string) => `[vc_raw_html]${raw(`<a href="${o}/p">it's</a>`)}[/vc_raw_html]`;
  const unknown = 'https&colon;&sol;&sol;staging.example.com&sol;u';
  await root.query('CREATE TABLE shop.wp_posts (ID INT PRIMARY KEY, post_content LONGTEXT) DEFAULT CHARSET utf8mb4');
  await root.query('CREATE TABLE shop.wp_postmeta (meta_id INT PRIMARY KEY, meta_value LONGTEXT) DEFAULT CHARSET utf8mb4');
  await root.query('INSERT INTO shop.wp_posts VALUES (1, ?), (2, ?), (3, ?), (4, ?)', [
    `<iframe src="${ent(`${S}/embed`)}"></iframe>`,
    `<img src="${proxy(S)}">`,
    `[vc_row]${rawHtml(S)}[/vc_row]`,
    `${unknown} and ${S}/k`,
  ]);
  // A saved WPBakery template: the Raw HTML inside serialized data, its lengths kept right.
  await root.query('INSERT INTO shop.wp_postmeta VALUES (1, ?)', [phpSerialize({ tpl: rawHtml(S) })]);
  const rules = [{ from: S, to: P, skip_columns: [] }];

  const dry = await unaryCall<object, RewriteReport__Output>(agent.client, 'RewriteUrls', { schema: 'shop', rules, dry_run: true });
  assert.deepEqual(dry.columns.map((c) => [c.table, Number(c.values_changed)]).sort(), [['wp_postmeta', 1], ['wp_posts', 4]]);
  assert.deepEqual(dry.broken.map((b) => [b.table, b.key, /in a spelling the rewrite does not know/.test(b.reason)]), [['wp_posts', '4', true]]);

  const done = await unaryCall<object, RewriteReport__Output>(agent.client, 'RewriteUrls', { schema: 'shop', rules, dry_run: false });
  assert.equal(Number(done.origins_left), 0, done.problems.join('; '));
  assert.deepEqual(done.problems, []);
  assert.deepEqual(done.broken.map((b) => [b.table, b.key]), [['wp_posts', '4']]);
  const [posts] = (await root.query('SELECT post_content AS v FROM shop.wp_posts ORDER BY ID')) as unknown as [Array<{ v: string }>];
  assert.deepEqual(
    posts.map((p) => p.v),
    [`<iframe src="${ent(`${P}/embed`)}"></iframe>`, `<img src="${proxy(P)}">`, `[vc_row]${rawHtml(P)}[/vc_row]`, `${unknown} and ${P}/k`],
  );
  const [[meta]] = (await root.query('SELECT meta_value AS v FROM shop.wp_postmeta')) as unknown as [[{ v: string }]];
  assert.equal(meta.v, phpSerialize({ tpl: rawHtml(P) }));
});
