// Web vitals in REAL headless Chromium (Debian package at /usr/bin/chromium, driven by
// playwright-core): staging serves a steady page, production the same page with a banner that
// pushes the content down after load. The browser reaches both by their names mapped to
// 127.0.0.2 / 127.0.0.3 (--host-resolver-rules), over https with a certificate made here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CHROMIUM_PATH, chromiumAvailable, measureSide, vitalsFindings } from '../../controller/validate/vitals.js';
import type { Side } from '../../controller/validate/sides.js';
import { makeWebCa } from '../helpers/web-certs.js';
import { startWebSite } from '../helpers/web-site.js';

const TEXT = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(30);

function page(shift: boolean): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>vitals</title></head>
<body style="margin:0;font-family:sans-serif">
<div id="banner" style="height:0;background:#c00"></div>
<h1 style="font-size:48px;margin:0 0 16px">Switchyard vitals</h1>
<p style="font-size:20px;line-height:1.5;width:900px">${TEXT}</p>
<p style="font-size:20px;line-height:1.5;width:900px">${TEXT}</p>
${shift ? `<script>setTimeout(function(){document.getElementById('banner').style.height='420px'},300)</script>` : ''}
</body></html>`;
}

const handler = (shift: boolean) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page(shift));
};

test('vitals: a page that shifts its layout on production is reported, measured in real headless Chromium', async (t) => {
  if (!(await chromiumAvailable())) assert.fail(`${CHROMIUM_PATH} not found: install the Debian package chromium (apt-get install chromium)`);
  const ca = await makeWebCa();
  const prod = await startWebSite(t, '127.0.0.3', { default: await ca.issue({ cn: 'www.example.test', sans: ['www.example.test'] }) }, handler(true));
  const stg = await startWebSite(t, '127.0.0.2', { default: await ca.issue({ cn: 'staging.example.test', sans: ['staging.example.test'] }) }, handler(false));
  const sides: { production: Side; staging: Side } = {
    production: { name: 'production', origin: new URL(`https://www.example.test:${prod.httpsPort}`), ip: '127.0.0.3' },
    staging: { name: 'staging', origin: new URL(`https://staging.example.test:${stg.httpsPort}`), ip: '127.0.0.2' },
  };

  const findings = await vitalsFindings(sides, ['/'], { enabled: true, thresholds: { lcpMs: 5000, cls: 0.05, ttfbMs: 5000 }, settleMs: 1200, maxPages: 10, timeoutMs: 30_000 });
  assert.equal(findings.length, 1, JSON.stringify(findings));
  const f = findings[0];
  assert.equal(f?.check, 'vitals');
  assert.equal(f?.page, '/');
  assert.equal(f?.status, 'warn', f?.message);
  assert.match(f?.message ?? '', /regression: CLS [\d.]+ vs [\d.]+ on staging/);
  const ev = f?.evidence as { production: { cls: number; lcpMs: number; ttfbMs: number; layoutShifts: number }; staging: { cls: number } };
  assert.ok(ev.production.cls > 0.1, `production CLS ${ev.production.cls}`);
  assert.ok(ev.production.layoutShifts >= 1);
  assert.ok(ev.staging.cls < 0.01, `staging CLS ${ev.staging.cls}`);
  assert.ok(ev.production.lcpMs > 0, 'LCP reported');
  assert.ok(ev.production.ttfbMs >= 0, 'TTFB reported');
  // The browser really went to each side's IP under the site's name.
  assert.ok(prod.hits.some((h) => h === `https www.example.test:${prod.httpsPort} /`), prod.hits.join(', '));
  assert.ok(stg.hits.some((h) => h === `https staging.example.test:${stg.httpsPort} /`), stg.hits.join(', '));
});

test('vitals: the same steady page on both sides is a pass with the numbers', async (t) => {
  if (!(await chromiumAvailable())) assert.fail(`${CHROMIUM_PATH} not found: install the Debian package chromium (apt-get install chromium)`);
  const ca = await makeWebCa();
  const prod = await startWebSite(t, '127.0.0.3', { default: await ca.issue({ cn: 'www.example.test', sans: ['www.example.test'] }) }, handler(false));
  const side: Side = { name: 'production', origin: new URL(`https://www.example.test:${prod.httpsPort}`), ip: '127.0.0.3' };
  const [sample] = await measureSide(side, ['/'], { settleMs: 300 });
  assert.equal(sample?.error, undefined);
  assert.equal(sample?.cls, 0);
  assert.ok((sample?.lcpMs ?? 0) > 0);
});

test('vitals: with staging locked, its maintenance page (answering 200, quick) is not measured as the baseline; production is held to the "good" limits', async (t) => {
  if (!(await chromiumAvailable())) assert.fail(`${CHROMIUM_PATH} not found: install the Debian package chromium (apt-get install chromium)`);
  const ca = await makeWebCa();
  // The site takes 400 ms to render: slow next to a static maintenance page, well within "good" (800 ms).
  const prod = await startWebSite(t, '127.0.0.3', { default: await ca.issue({ cn: 'www.example.test', sans: ['www.example.test'] }) }, (req, res) => void setTimeout(() => handler(false)(req, res), 400));
  const stg = await startWebSite(t, '127.0.0.2', { default: await ca.issue({ cn: 'staging.example.test', sans: ['staging.example.test'] }) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html><head><title>Maintenance</title></head><body><h1>Back soon</h1></body></html>');
  });
  const sides: { production: Side; staging: Side } = {
    production: { name: 'production', origin: new URL(`https://www.example.test:${prod.httpsPort}`), ip: '127.0.0.3' },
    staging: { name: 'staging', origin: new URL(`https://staging.example.test:${stg.httpsPort}`), ip: '127.0.0.2' },
  };
  const run = { enabled: true, thresholds: { lcpMs: 5000, cls: 0.05, ttfbMs: 200 }, settleMs: 300, maxPages: 10, timeoutMs: 30_000 };
  const findings = await vitalsFindings(sides, ['/'], { ...run, stagingLocked: true });
  assert.equal(findings.length, 1, JSON.stringify(findings));
  const f = findings[0];
  assert.equal(f?.status, 'pass', f?.message);
  assert.match(f?.message ?? '', /^TTFB \d+ ms, LCP \d+ ms, CLS 0; no staging baseline \(staging is locked: its maintenance page is no measure of the site\), held to the "good" limits$/);
  assert.ok(((f?.evidence as { production: { ttfbMs: number } }).production.ttfbMs) >= 400, JSON.stringify(f?.evidence));
  assert.deepEqual(stg.hits, [], 'staging is not loaded at all');
});
