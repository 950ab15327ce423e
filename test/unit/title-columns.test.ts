import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHtml } from '../../controller/validate/html-doc.js';
import { siteIdentityFindings, titleColumns, TITLE_RECORDED_MAX } from '../../controller/validate/site-identity.js';
import type { FetchOk } from '../../controller/validate/pinned-client.js';

const sides = {
  production: { name: 'production' as const, origin: new URL('https://shop.example'), ip: undefined },
  staging: { name: 'staging' as const, origin: new URL('https://staging.shop.example'), ip: undefined },
};

function answer(html: string): FetchOk {
  return { ok: true, url: 'https://staging.shop.example/', ip: undefined, status: 200, headers: {}, body: Buffer.from(html), truncated: false, ttfbMs: 1, totalMs: 1 } as FetchOk;
}

test('page row titles: a <title> never closed (the rest of the page is its text) is recorded cut to TITLE_RECORDED_MAX, still compared whole', () => {
  // parse5 reads <title> as RCDATA: without </title> everything after it, up to the body limit, is the title.
  const rest = 'x'.repeat(200_000);
  const prodHtml = `<html><head><title>Shop ${rest}</head><body>a</body></html>`;
  const prod = parseHtml(prodHtml, 'https://shop.example/');
  const stagingHtml = `<html><head><title>Shop ${rest}y</head><body>a</body></html>`;
  const cols = titleColumns(prod, answer(stagingHtml), parseHtml(stagingHtml, 'https://staging.shop.example/'), sides);
  assert.ok(cols.title !== undefined && cols.title !== null && cols.title.startsWith('Shop xxx'));
  assert.ok(Array.from(cols.title).length <= TITLE_RECORDED_MAX, `title recorded with ${cols.title.length} characters`);
  assert.ok(cols.title.endsWith('…'));
  assert.ok(cols.stagingTitle !== undefined && cols.stagingTitle !== null && Array.from(cols.stagingTitle).length <= TITLE_RECORDED_MAX);
  // The titles differ past the cut: still told, from the whole titles.
  assert.equal(cols.titleDiffers, true);
  // A short title is recorded as it is.
  const short = titleColumns(parseHtml('<title>Shop</title>', 'https://shop.example/'), answer('<title>Shop</title>'), parseHtml('<title>Shop</title>', 'https://staging.shop.example/'), sides);
  assert.deepEqual(short, { title: 'Shop', stagingTitle: 'Shop', titleDiffers: false });
});

test('same-site findings: a <title> never closed is quoted cut to TITLE_RECORDED_MAX in each message and evidence, not the whole page', () => {
  const rest = 'x'.repeat(200_000);
  const prodHtml = `<html><head><title>Index of / ${rest}</head><body>a</body></html>`;
  const stagingHtml = `<html><head><title>Shop ${rest}</head><body>a</body></html>`;
  const prod = answer(prodHtml);
  const prodDoc = parseHtml(prodHtml, 'https://shop.example/');
  const stagingDoc = parseHtml(stagingHtml, 'https://staging.shop.example/');
  const recorded = { page: { path: '/', status: 200, html: true, title: `Shop ${rest}`, placeholder: null }, recordedAt: '2026-12-07T10:00:00Z', by: 'lock' as const };
  const runs = [
    siteIdentityFindings(prod, prodDoc, answer(stagingHtml), stagingDoc, '/', sides), // live staging, another title
    siteIdentityFindings(prod, parseHtml(stagingHtml, 'https://shop.example/'), answer(stagingHtml), stagingDoc, '/', sides), // live staging, same title
    siteIdentityFindings(prod, prodDoc, answer(stagingHtml), stagingDoc, '/', sides, { recorded, stagingLocked: true }), // locked, against the record
    siteIdentityFindings(prod, parseHtml(stagingHtml, 'https://shop.example/'), answer(stagingHtml), stagingDoc, '/', sides, { stagingLocked: true }), // locked, no record
  ];
  for (const findings of runs) {
    assert.equal(findings.length, 1);
    const size = JSON.stringify(findings[0]).length;
    // Each title quoted at most a few times, each within TITLE_RECORDED_MAX characters.
    assert.ok(size < 12 * TITLE_RECORDED_MAX, `finding carries ${size} characters: ${findings[0]!.message.slice(0, 80)}`);
    assert.ok(findings[0]!.message.includes('…'), findings[0]!.message.slice(0, 80));
  }
  assert.equal(runs[1]![0]!.status, 'pass', 'titles compared whole still match');
  assert.equal(runs[0]![0]!.status, 'fail');
});
