import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveLines } from '../../cli/commands/demo.js';
import type { DemoEnvironment } from '../../cli/demo/environment.js';

function side(ip: string, database: string): DemoEnvironment['staging'] {
  return {
    ip,
    database,
    assetsDir: `/tmp/demo/${database}/uploads`,
    db: { site: { user: 'site', password: 'pw' }, url: (_user: unknown, db: string) => `mysql://site:pw@${ip}:3306/${db}` },
  } as unknown as DemoEnvironment['staging'];
}

test('demo --serve prints the SPEC lines and a viewer token, so a 403 can be tried by hand', () => {
  const env = {
    controllerUrl: 'http://127.0.0.1:7700',
    operatorToken: 'sy_operator',
    viewerToken: 'sy_viewer',
    staging: side('127.0.0.2', 'wp_staging'),
    production: side('127.0.0.3', 'wp_production'),
    dns: { dnsServer: '127.0.0.4:5300' },
    dnsName: 'www.example.test',
  } as unknown as DemoEnvironment;
  const lines = serveLines(env, '/tmp/demo/plan.yaml');
  const names = lines.map((l) => l.slice(0, l.indexOf('=')));
  for (const name of ['SWITCHYARD_URL', 'SWITCHYARD_TOKEN', 'STAGING_MYSQL', 'PRODUCTION_MYSQL', 'STAGING_ASSETS', 'PRODUCTION_ASSETS', 'STAGING_IP', 'PRODUCTION_IP', 'DNS_SERVER', 'DNS_NAME', 'DEMO_PLAN']) {
    assert.ok(names.includes(name), `${name} is printed`);
  }
  assert.ok(lines.includes('SWITCHYARD_TOKEN=sy_operator'));
  assert.ok(lines.includes('SWITCHYARD_VIEWER_TOKEN=sy_viewer'));
  assert.ok(lines.every((l) => /^[A-Z_]+=\S+$/.test(l)), 'each line is NAME=value, as a shell reads it');
});
