// The controller/agent pair over real sockets on 127.0.0.1: mutual TLS both ways, the
// health service, typed errors and deadlines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { SwitchyardError } from '../../shared/errors.js';
import { loadProto } from '../../shared/grpc/load.js';
import { packageVersion } from '../../shared/paths.js';
import type { HelloResponse__Output } from '../../shared/proto-gen/switchyard/v1/HelloResponse.js';
import type { ProtoGrpcType as AssetsProto } from '../../shared/proto-gen/assets.js';
import { AssetsService } from '../../agent/assets/service.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { silentLogger } from '../../shared/logger.js';
import { startTestAgent, testDirectory } from '../helpers/agent-server.js';


async function pair(t: { after: (fn: () => void | Promise<void>) => void }) {
  const pki = await makePki(t);
  const agentTls = await pki.issue('staging-1', ['127.0.0.1', 'localhost'], 'both');
  const controllerTls = await pki.issue('controller', [], 'client');
  const agent = await startTestAgent(t, {
    name: 'staging-1',
    tls: agentTls,
    config: { assets: { uploads: { path: '/srv/uploads' }, media: { path: '/srv/media' } }, commands: { smoke: { argv: ['true'] } } },
  });
  return { pki, agent, controllerTls };
}

/** A raw Agent client with hand-picked credentials, for the refusals the directory never makes. */
function rawHello(address: string, creds: grpc.ChannelCredentials): Promise<HelloResponse__Output> {
  const client = new (loadProto().switchyard.v1.Agent)(address, creds);
  return new Promise((resolve, reject) => {
    client.Hello({}, { deadline: Date.now() + 5000 }, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res!);
    });
  });
}

function pem(path: string): Buffer {
  return readFileSync(path);
}

async function foreignClientTls(t: { after: (fn: () => void) => void }): Promise<{ pki: TestPki; cert: Buffer; key: Buffer }> {
  const pki = await makePki(t, 'Some Other CA');
  const files = await pki.issue('intruder', [], 'client');
  return { pki, cert: pem(files.cert), key: pem(files.key) };
}

test('a controller with a certificate from the CA gets Hello, facts and health', async (t) => {
  const { agent, controllerTls } = await pair(t);
  const dir = testDirectory(t, { tls: controllerTls, agents: [{ name: 'staging-1', address: agent.address }] });

  const hello = await dir.hello('staging-1');
  assert.equal(hello.name, 'staging-1');
  assert.equal(hello.version, packageVersion());
  assert.deepEqual(hello.asset_roots, ['media', 'uploads']);
  assert.deepEqual(hello.commands, ['smoke']);
  assert.equal(hello.database_configured, false);
  assert.ok(!Number.isNaN(Date.parse(hello.started_at)));

  const facts = await dir.facts('staging-1', 'pepper');
  assert.equal(facts.agent_name, 'staging-1');
  assert.deepEqual(facts.notes, ['salt pepper']);

  const health = await dir.health('staging-1');
  assert.equal(health.reachable, true, health.error);
  assert.equal(health.error, undefined);
  assert.ok(health.latencyMs >= 0);
});

test('the health service answers SERVING for the server and its services, NOT_FOUND otherwise', async (t) => {
  const { agent, controllerTls } = await pair(t);
  const dir = testDirectory(t, { tls: controllerTls, agents: [{ name: 'staging-1', address: agent.address }] });
  const health = dir.makeClient('staging-1', loadProto().grpc.health.v1.Health);
  const check = (service: string) => dir.call<grpc.Client, object, { status: string }>('staging-1', health, health.Check, { service });
  assert.equal((await check('')).status, 'SERVING');
  assert.equal((await check('switchyard.v1.Agent')).status, 'SERVING');
  assert.equal((await check('grpc.health.v1.Health')).status, 'SERVING');
  await assert.rejects(check('switchyard.v1.Nope'), /unknown service switchyard\.v1\.Nope/);
});

test('a client without a certificate is refused', async (t) => {
  const { agent, pki } = await pair(t);
  await assert.rejects(rawHello(agent.address, grpc.credentials.createSsl(pem(pki.caPath))), (err: grpc.ServiceError) => {
    assert.equal(err.code, grpc.status.UNAVAILABLE, err.message);
    return true;
  });
});

test('a client with a certificate from a different CA is refused', async (t) => {
  const { agent, pki } = await pair(t);
  const intruder = await foreignClientTls(t);
  await assert.rejects(rawHello(agent.address, grpc.credentials.createSsl(pem(pki.caPath), intruder.key, intruder.cert)), (err: grpc.ServiceError) => {
    assert.equal(err.code, grpc.status.UNAVAILABLE, err.message);
    return true;
  });
});

test('the controller refuses an agent that does not chain to the CA it trusts', async (t) => {
  const { agent, controllerTls } = await pair(t);
  const other = await makePki(t, 'Not The Agent CA');
  const dir = testDirectory(t, { tls: { ...controllerTls, ca: other.caPath }, agents: [{ name: 'staging-1', address: agent.address }] });
  await assert.rejects(dir.hello('staging-1'), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.code, 'SY_AGENT_UNREACHABLE');
    assert.match(err.message, /^agent staging-1: /);
    return true;
  });
  const health = await dir.health('staging-1');
  assert.equal(health.reachable, false);
  assert.ok(health.error);
});

test('the agent certificate must name the address dialled, or the configured serverName', async (t) => {
  const pki = await makePki(t);
  const agentTls = await pki.issue('prod-1', ['prod-1.internal'], 'both');
  const controllerTls = await pki.issue('controller', [], 'client');
  const agent = await startTestAgent(t, { name: 'prod-1', tls: agentTls });
  const byAddress = testDirectory(t, { tls: controllerTls, agents: [{ name: 'prod-1', address: agent.address }] });
  await assert.rejects(byAddress.hello('prod-1'), (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_AGENT_UNREACHABLE');
  const byName = testDirectory(t, { tls: controllerTls, agents: [{ name: 'prod-1', address: agent.address, serverName: 'prod-1.internal' }] });
  assert.equal((await byName.hello('prod-1')).name, 'prod-1');
});

test('agent errors arrive typed with their field; slow agents time out; unknown names are named', async (t) => {
  const pki = await makePki(t);
  const agentTls = await pki.issue('a1', ['127.0.0.1'], 'both');
  const controllerTls = await pki.issue('controller', [], 'client');
  const agent = await startTestAgent(t, {
    name: 'a1',
    tls: agentTls,
    getFacts: async (salt) => {
      if (salt === 'slow') {
        await new Promise((r) => setTimeout(r, 1500));
        return {};
      }
      throw new SwitchyardError('SY_DB', 'cannot connect to 127.0.0.1:3306', { field: 'database.host' });
    },
  });
  const dir = testDirectory(t, { tls: controllerTls, agentTimeoutMs: 300, agents: [{ name: 'a1', address: agent.address }] });
  await assert.rejects(dir.facts('a1', 'x'), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.code, 'SY_DB');
    assert.equal(err.field, 'database.host');
    return true;
  });
  const started = Date.now();
  await assert.rejects(dir.facts('a1', 'slow'), (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_AGENT_TIMEOUT');
  assert.ok(Date.now() - started < 1400, 'the deadline, not the agent, ended the call');
  assert.throws(() => dir.client('ghost', 'staging.agent'), (err: unknown) => {
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.code, 'SY_AGENT_UNKNOWN');
    assert.equal(err.field, 'staging.agent');
    assert.match(err.message, /"ghost".*known: a1/);
    return true;
  });
  assert.deepEqual(dir.list().map((a) => a.name), ['a1']);
});

test('an agent that is not listening is reported unreachable, not thrown', async (t) => {
  const pki = await makePki(t);
  const controllerTls = await pki.issue('controller', [], 'client');
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  const dir = testDirectory(t, { tls: controllerTls, agents: [{ name: 'gone', address: `127.0.0.1:${port}` }] });
  const health = await dir.health('gone');
  assert.equal(health.reachable, false);
  assert.match(health.error ?? '', /^agent gone: /);
});

test('plaintext works on loopback only, and a non-loopback plaintext target stops the directory', async (t) => {
  const agent = await startTestAgent(t, { name: 'local', insecure: true, host: '127.0.0.1' });
  const dir = testDirectory(t, { insecure: true, agents: [{ name: 'local', address: agent.address }] });
  assert.equal((await dir.hello('local')).name, 'local');
  assert.throws(
    () => testDirectory(t, { insecure: true, agents: [{ name: 'local', address: agent.address }, { name: 'far', address: '10.0.0.1:7701' }] }),
    (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_INSECURE_NON_LOOPBACK' && err.field === 'agents[1].address' && err.message.includes('10.0.0.1'),
  );
  await assert.rejects(
    startTestAgent(t, { name: 'wide', insecure: true, host: '0.0.0.0' }),
    (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_INSECURE_NON_LOOPBACK' && err.message.includes('0.0.0.0'),
  );
});

test('plaintext on a loopback spelling: LOCALHOST. and 127.1 are accepted and reach the agent on 127.0.0.1 (dialled as localhost, not asked of DNS); an agent listening on LOCALHOST. binds loopback', async (t) => {
  const agent = await startTestAgent(t, { name: 'local', insecure: true, host: '127.0.0.1' });
  const dir = testDirectory(t, {
    insecure: true,
    agents: [
      { name: 'fqdn', address: `LOCALHOST.:${agent.port}` },
      { name: 'short', address: `127.1:${agent.port}` },
    ],
  });
  assert.equal((await dir.hello('fqdn')).name, 'local');
  assert.equal((await dir.hello('short')).name, 'local');
  assert.equal(dir.address('fqdn'), `LOCALHOST.:${agent.port}`, 'messages keep the address as configured');
  const dotted = await startTestAgent(t, { name: 'dotted', insecure: true, host: 'LOCALHOST.' });
  assert.equal(dotted.address, `localhost:${dotted.port}`);
  const back = testDirectory(t, { insecure: true, agents: [{ name: 'dotted', address: `127.0.0.1:${dotted.port}` }] });
  assert.equal((await back.hello('dotted')).name, 'dotted');
});

test('a caller holding an agent certificate gets the pull protocol only; the controller keeps the rest', async (t) => {
  const pki = await makePki(t);
  const agentTls = await pki.issue('staging-1', ['127.0.0.1'], 'both');
  // The other agent of the pair: same CA, server and client auth.
  const peerTls = await pki.issue('prod-1', ['127.0.0.1'], 'both');
  const controllerTls = await pki.issue('controller', [], 'client');
  const work = mkdtempSync(join(tmpdir(), 'sy-roles-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  mkdirSync(join(work, 'uploads'));
  mkdirSync(join(work, 'private'));
  const assetsConfig = { uploads: { path: join(work, 'uploads'), allowExternalSymlinks: false }, private: { path: join(work, 'private'), allowExternalSymlinks: false } };
  const assetsService = new AssetsService({ config: { assets: assetsConfig, stateFile: join(work, 'state.db'), tls: agentTls }, logger: silentLogger(), watch: false });
  t.after(() => assetsService.close());
  const agent = await startTestAgent(t, { name: 'staging-1', tls: agentTls, config: { assets: assetsConfig, commands: { smoke: { argv: ['true'] } } }, services: [assetsService] });
  const creds = grpc.credentials.createSsl(pem(pki.caPath), pem(peerTls.key), pem(peerTls.cert));
  const proto = loadProto();
  const agentClient = new proto.switchyard.v1.Agent(agent.address, creds);
  const assets = new (loadProto<AssetsProto>().switchyard.v1.Assets)(agent.address, creds);
  const health = new proto.grpc.health.v1.Health(agent.address, creds);
  t.after(() => {
    agentClient.close();
    assets.close();
    health.close();
  });
  const unary = <Res>(fn: (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => unknown, req: object) =>
    new Promise<Res>((resolve, reject) => fn(req, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res!))));
  const forbidden = (err: grpc.ServiceError): boolean => {
    assert.equal(err.code, grpc.status.PERMISSION_DENIED, err.message);
    assert.deepEqual(err.metadata.get('switchyard-error-code'), ['SY_FORBIDDEN']);
    assert.match(err.details, /controller's to call/);
    return true;
  };
  // Controller-only, unary: Hello, and a declared command that must not run.
  await assert.rejects(unary(agentClient.Hello.bind(agentClient), {}), forbidden);
  await assert.rejects(unary(agentClient.RunCommand.bind(agentClient), { name: 'smoke' }), forbidden);
  await assert.rejects(unary(assets.AuthorizeTransfer.bind(assets), { token: 'x'.repeat(32), root: 'uploads', ttl_seconds: 60 }), forbidden);
  // Controller-only, server streaming: a pull into this agent's root from wherever the caller says.
  await assert.rejects(
    new Promise<void>((resolve, reject) => {
      const call = assets.PullAssets({ peer_address: '127.0.0.1:1', transfer_token: 'x', staging_root: 'uploads', production_root: 'uploads', delete: true });
      call.on('data', () => undefined);
      call.on('error', reject);
      call.on('end', resolve);
    }),
    forbidden,
  );
  // The pull protocol is open to it (this one then fails on its own terms, not on the caller's role),
  // and so is health.
  await assert.rejects(unary(assets.TreeDigest.bind(assets), { root: 'nope', refresh: 'ASSET_REFRESH_NONE' }), (err: grpc.ServiceError) => {
    assert.notEqual(err.code, grpc.status.PERMISSION_DENIED, err.message);
    return true;
  });
  assert.equal((await unary<{ status: string }>(health.Check.bind(health), { service: '' })).status, 'SERVING');

  // The controller's certificate (client auth only) is let through the same methods.
  const asController = new (loadProto<AssetsProto>().switchyard.v1.Assets)(agent.address, grpc.credentials.createSsl(pem(pki.caPath), pem(controllerTls.key), pem(controllerTls.cert)));
  t.after(() => asController.close());
  const granted = await unary<{ expires_at: string }>(asController.AuthorizeTransfer.bind(asController), { token: 'x'.repeat(32), root: 'uploads', ttl_seconds: 60 });
  assert.ok(!Number.isNaN(Date.parse(granted.expires_at)));

  // A tree digest, too, is the transfer's: without the granted token, or for another root, the
  // peer learns nothing and cannot make this agent re-hash a tree.
  const digest = (req: object) => unary<{ files: string }>(assets.TreeDigest.bind(assets), req);
  const unauthenticated = (err: grpc.ServiceError): boolean => {
    assert.equal(err.code, grpc.status.UNAUTHENTICATED, err.message);
    return true;
  };
  await assert.rejects(digest({ root: 'uploads', refresh: 'ASSET_REFRESH_FULL' }), unauthenticated);
  await assert.rejects(digest({ root: 'uploads', refresh: 'ASSET_REFRESH_NONE', token: 'y'.repeat(32) }), unauthenticated);
  await assert.rejects(digest({ root: 'private', refresh: 'ASSET_REFRESH_NONE', token: 'x'.repeat(32) }), (err: grpc.ServiceError) => {
    assert.equal(err.code, grpc.status.PERMISSION_DENIED, err.message);
    assert.match(err.details, /does not cover asset root private/);
    return true;
  });
  assert.equal(Number((await digest({ root: 'uploads', refresh: 'ASSET_REFRESH_STAT', token: 'x'.repeat(32) })).files), 0);
});

test('a certificate that may serve — no extended key usage, or anyExtendedKeyUsage — is an agent to the role check', async (t) => {
  // Another PKI than `switchyard certs` may issue agent certificates without the extension (good
  // for any use, serving included); such a holder must not get the controller's methods.
  const pki = await makePki(t);
  const agentTls = await pki.issue('staging-1', ['127.0.0.1'], 'both');
  const agent = await startTestAgent(t, { name: 'staging-1', tls: agentTls, config: { commands: { smoke: { argv: ['true'] } } } });
  const callers = {
    'no extended key usage': await pki.issueWithExtendedUsages('peer-plain', ['127.0.0.1'], undefined),
    anyExtendedKeyUsage: await pki.issueWithExtendedUsages('peer-any', ['127.0.0.1'], ['2.5.29.37.0', '1.3.6.1.5.5.7.3.2']),
  };
  for (const [what, tls] of Object.entries(callers)) {
    const client = new (loadProto().switchyard.v1.Agent)(agent.address, grpc.credentials.createSsl(pem(pki.caPath), pem(tls.key), pem(tls.cert)));
    t.after(() => client.close());
    await assert.rejects(
      new Promise((resolve, reject) => client.RunCommand({ name: 'smoke' }, { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res)))),
      (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.PERMISSION_DENIED, `${what}: ${err.message}`);
        assert.match(err.details, /--role controller/, what);
        return true;
      },
    );
  }
  // A controller certificate from the same PKI, client auth only, still runs it.
  const controllerTls = await pki.issueWithExtendedUsages('controller', [], ['1.3.6.1.5.5.7.3.2']);
  const client = new (loadProto().switchyard.v1.Agent)(agent.address, grpc.credentials.createSsl(pem(pki.caPath), pem(controllerTls.key), pem(controllerTls.cert)));
  t.after(() => client.close());
  const res = await new Promise<{ exit_code: number }>((resolve, reject) => client.RunCommand({ name: 'smoke' }, { deadline: Date.now() + 5000 }, (err, r) => (err ? reject(err) : resolve(r!))));
  assert.equal(res.exit_code, 0);
});
