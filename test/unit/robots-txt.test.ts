import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRobotsTxt, robotsDecision } from '../../controller/cutover/steps/preflight/robots-txt.js';

const allowed = (txt: string, agent: string, path: string) => robotsDecision(parseRobotsTxt(txt), agent, path).allowed;

test('the staging classic: Disallow: / for * blocks everything', () => {
  const txt = 'User-agent: *\nDisallow: /\n';
  assert.equal(allowed(txt, '*', '/'), false);
  assert.equal(allowed(txt, 'googlebot', '/shop/'), false, 'Googlebot falls back to the * group');
  const d = robotsDecision(parseRobotsTxt(txt), '*', '/');
  assert.deepEqual(d.rule, { allow: false, pattern: '/', line: 2 });
});

test('WordPress default: only /wp-admin/ blocked, admin-ajax allowed by the longer rule', () => {
  const txt = 'User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\nSitemap: https://www.example.com/wp-sitemap.xml\n';
  assert.equal(allowed(txt, '*', '/'), true);
  assert.equal(allowed(txt, '*', '/wp-admin/options.php'), false);
  assert.equal(allowed(txt, '*', '/wp-admin/admin-ajax.php'), true);
  assert.deepEqual(parseRobotsTxt(txt).sitemaps, ['https://www.example.com/wp-sitemap.xml']);
});

test('a crawler obeys its own group, not *; several user-agent lines share one group', () => {
  const txt = '# comment\nUser-agent: *\nDisallow:\n\nUser-agent: Bingbot\nUser-agent: Googlebot # both\nDisallow: /\n';
  assert.equal(allowed(txt, '*', '/'), true, 'an empty Disallow allows everything');
  assert.equal(allowed(txt, 'googlebot', '/'), false);
  assert.equal(allowed(txt, 'bingbot', '/x'), false);
  assert.equal(allowed(txt, 'duckduckbot', '/'), true);
});

test('groups for one agent are merged; tie between allow and disallow goes to allow', () => {
  const txt = 'User-agent: googlebot\nDisallow: /a\n\nUser-agent: other\nDisallow: /\n\nuser-agent: GoogleBot\nallow: /a\n';
  assert.equal(allowed(txt, 'googlebot', '/a/b'), true);
});

test('wildcards and end anchors', () => {
  const txt = 'User-agent: *\nDisallow: /*.pdf$\nDisallow: /private*/\nAllow: /$\nDisallow: /search?q=\n';
  assert.equal(allowed(txt, '*', '/files/a.pdf'), false);
  assert.equal(allowed(txt, '*', '/files/a.pdf?x=1'), true, '$ anchors the end');
  assert.equal(allowed(txt, '*', '/private-area/x'), false);
  assert.equal(allowed(txt, '*', '/'), true);
  assert.equal(allowed(txt, '*', '/search?q=shoes'), false);
  assert.equal(allowed(txt, '*', '/search'), true);
});

test('no groups, rules before any user-agent, CRLF, BOM and junk lines', () => {
  assert.equal(allowed('', '*', '/'), true);
  assert.equal(allowed('Disallow: /\n', '*', '/'), true, 'a rule outside any group binds nobody');
  assert.equal(allowed('\uFEFFUser-agent: *\r\nCrawl-delay: 10\r\nDisallow: /\r\n', '*', '/'), false);
  assert.equal(allowed('<html>not robots</html>\n', '*', '/'), true);
  assert.equal(allowed('User-agent: *\nDisallow: /caf%C3%A9\n', '*', '/café'), false, 'percent-encoding compared in one form');
});
