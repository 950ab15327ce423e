// Runtime facts gathered for real on two hosts' worth of services (two mariadbd with different
// sql_mode, two TLS endpoints, env files, an asset root), then compared as the controller does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { collectFacts } from '../../agent/facts/collect.js';
import { RuntimeParityService } from '../../controller/parity/service.js';
import { compareRuntimeFacts } from '../../controller/parity/runtime.js';
import { formatParityTable } from '../../shared/parity-format.js';
import type { AgentConfig } from '../../agent/config.js';
import type { Facts } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { ParityTable } from '../../shared/parity.js';
import { requireBinary } from '../../cli/devenv/process.js';
import { withTwoMariaDbs } from '../helpers/mariadb.js';
import { capturingLogger, overTheWire, testAgentConfig } from '../helpers/facts.js';

const HOST = 'shop.example.test';

/** A self-signed certificate for HOST made by the openssl binary. */
function selfSigned(dir: string, keyArgs: string[]): { key: string; cert: string } {
  const openssl = requireBinary(['openssl'], 'openssl');
  execFileSync(openssl, [
    'req', '-x509', '-nodes', '-days', '30', ...keyArgs,
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-subj', `/O=Switchyard Test/CN=${HOST}`,
    '-addext', `subjectAltName=DNS:${HOST},DNS:www.${HOST},IP:127.0.0.2`,
  ], { stdio: 'pipe' });
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
}

async function tlsEndpoint(t: TestContext, address: string, material: { key: string; cert: string }): Promise<number> {
  const server: Server = createServer(material, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, address, r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as { port: number }).port;
}

function row(table: ParityTable, key: string) {
  const r = table.rows.find((x) => x.key === key);
  assert.ok(r, `row ${key} is missing; rows: ${table.rows.map((x) => x.key).join(' ')}`);
  return r;
}

test('runtime facts of a staging and a production host, compared: what differs shows, no secret leaks', async (t) => {
  const { staging, production } = await withTwoMariaDbs(t, { staging: ['shop'], production: ['shop'] }, { production: ['--sql-mode=ANSI'] });
  const work = mkdtempSync(join(tmpdir(), 'switchyard-facts-it-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));

  const secrets = { stagingDb: 'stg-Db-Pa55-7f3a91', productionDb: 'prd-Db-Pa55-c4e802', mail: 'shared-Mail-Secret-55e1' };
  const sides = { staging: join(work, 'staging'), production: join(work, 'production') };
  for (const [side, dir] of Object.entries(sides)) {
    mkdirSync(join(dir, 'site', 'uploads'), { recursive: true });
    mkdirSync(join(dir, 'tls'), { recursive: true });
    const dbPassword = side === 'staging' ? secrets.stagingDb : secrets.productionDb;
    writeFileSync(join(dir, 'site', '.env'), `APP_NAME=Shop\nDB_PASSWORD="${dbPassword}"\n`);
    writeFileSync(join(dir, 'site', 'shared.env'), `export MAIL_PASSWORD=${secrets.mail}\n`);
  }
  const stagingPort = await tlsEndpoint(t, '127.0.0.2', selfSigned(join(sides.staging, 'tls'), ['-newkey', 'rsa:2048']));
  const productionPort = await tlsEndpoint(t, '127.0.0.3', selfSigned(join(sides.production, 'tls'), ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']));

  // The staging agent reads its database password from a file, production's is inline.
  const pwFile = join(sides.staging, 'db-password');
  writeFileSync(pwFile, `${staging.admin.password}\n`);
  const configs: Record<string, AgentConfig> = {
    'staging-1': testAgentConfig({
      name: 'staging-1',
      database: { host: staging.host, port: staging.port, user: staging.admin.user, password: { file: pwFile } },
      envFiles: [join(sides.staging, 'site', '.env'), join(sides.staging, 'site', 'shared.env')],
      tlsHosts: [{ host: HOST, port: stagingPort, connectTo: '127.0.0.2' }],
      assets: { uploads: { path: join(sides.staging, 'site', 'uploads'), allowExternalSymlinks: false } },
    }),
    'prod-1': testAgentConfig({
      name: 'prod-1',
      database: { host: production.host, port: production.port, user: production.admin.user, password: production.admin.password },
      envFiles: [join(sides.production, 'site', '.env'), join(sides.production, 'site', 'shared.env')],
      tlsHosts: [{ host: HOST, port: productionPort, connectTo: '127.0.0.3' }],
      assets: { uploads: { path: join(sides.production, 'site', 'uploads'), allowExternalSymlinks: false } },
    }),
  };

  const { logger, lines } = capturingLogger();
  const collected: Record<string, Facts> = {};
  const salts: string[] = [];
  const service = new RuntimeParityService({
    facts: async (name, salt) => {
      salts.push(salt);
      const f = await collectFacts(configs[name]!, salt, logger);
      collected[name] = f;
      // Ports differ only because both "hosts" share one machine; a real pair serves 443 on both.
      return overTheWire({ ...f, tls: f.tls!.map((x) => ({ ...x, port: 443 })) });
    },
  });
  const table = await service.compare('staging-1', 'prod-1', { allowDiffer: ['ENV:APP_URL'] });
  assert.equal(salts.length, 2);
  assert.equal(salts[0], salts[1]);

  const s = collected['staging-1']!;
  const p = collected['prod-1']!;
  assert.equal(s.database!.reachable, true, s.database!.error);
  assert.equal(s.database!.flavor, 'mariadb');
  assert.match(p.database!.variables!.sql_mode!, /ANSI/);
  assert.ok(Object.keys(s.database!.variables!).length >= 15, 'the usual parity variables are present');

  assert.equal(row(table, 'mysql.sql_mode').status, 'differs');
  assert.equal(row(table, 'mysql.version').status, 'equal');
  assert.equal(row(table, 'mysql.character_set_server').status, 'equal');
  assert.equal(row(table, 'os.distro').status, 'equal');
  assert.equal(row(table, 'env..env:DB_PASSWORD').status, 'differs');
  assert.equal(row(table, 'env..env:APP_NAME').status, 'equal');
  assert.equal(row(table, 'env.shared.env:MAIL_PASSWORD').status, 'equal');

  const issuer = row(table, `tls.${HOST}.issuer`);
  assert.deepEqual([issuer.staging, issuer.status], [`O=Switchyard Test, CN=${HOST}`, 'equal']);
  assert.deepEqual(s.tls![0]!.sans, [`DNS:${HOST}`, `DNS:www.${HOST}`, 'IP:127.0.0.2']);
  const keyType = row(table, `tls.${HOST}.key_type`);
  assert.deepEqual([keyType.staging, keyType.production, keyType.status], ['RSA 2048', 'EC 256', 'differs']);
  assert.equal(row(table, `tls.${HOST}.sans`).status, 'equal');
  assert.equal(row(table, `tls.${HOST}.fingerprint`).status, 'allowed');
  assert.match(s.tls![0]!.fingerprint_sha256!, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.ok(new Date(s.tls![0]!.valid_to!).getTime() > Date.now());

  assert.ok(BigInt(s.disks![0]!.free_bytes as string) > 0n);
  assert.notEqual(row(table, 'disk.uploads.free_bytes').status, 'differs');

  const text = formatParityTable(table);
  assert.match(text, /^≠ mysql\.sql_mode /m);
  assert.match(text, /^≠ env\.\.env:DB_PASSWORD /m);
  const everything = [JSON.stringify(s), JSON.stringify(p), JSON.stringify(table), text, lines.join('')].join('\n');
  const never = [secrets.stagingDb, secrets.productionDb, secrets.mail, staging.admin.password, production.admin.password];
  for (const secret of never) assert.equal(everything.includes(secret), false, `secret leaked: ${secret}`);
  for (const e of [...s.env!, ...p.env!]) assert.equal(text.includes(e.digest!.slice(0, 13)), false, 'a digest shown beyond 12 chars');

  // The same facts compared directly give the same table: the service adds only the salt.
  const again = compareRuntimeFacts(overTheWire({ ...s, tls: s.tls!.map((x) => ({ ...x, port: 443 })) }), overTheWire({ ...p, tls: p.tls!.map((x) => ({ ...x, port: 443 })) }), {
    stagingName: 'staging-1', productionName: 'prod-1', allowDiffer: ['ENV:APP_URL'],
  });
  assert.deepEqual(again, table);
});
