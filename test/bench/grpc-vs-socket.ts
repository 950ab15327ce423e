// What gRPC itself costs to move bulk bytes between two processes: the same bytes over one
// grpc-js server stream (256 KiB messages, the pull's flow-control window, no protobuf — the
// messages are the bytes), the same stream with the receiver accepting 1 MiB HTTP/2 frames (what
// the agents' peer channels announce, shared/grpc/large-frames.ts) instead of HTTP/2's default
// 16 KiB, and one plain TCP socket. Sender and receiver are separate
// processes on loopback (127.0.0.2 → this process), as staging and production are; each
// reports its own CPU. The figure behind the README's "what is left in the initial copy".
// Not part of `npm test`.
//   npx tsc -p . && node dist/test/bench/grpc-vs-socket.js [--mb 2048] [--rounds 2]
import { fork } from 'node:child_process';
import http2 from 'node:http2';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const MESSAGE = 256 * 1024;
const HOST = '127.0.0.2';
const same = (b: Buffer): Buffer => b;
const service = {
  Get: { path: '/bench.Bulk/Get', requestStream: false, responseStream: true, requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same, originalName: 'get' },
} satisfies grpc.ServiceDefinition;

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

type Mode = 'grpc' | 'grpc-frames' | 'socket';

/** Writes `total` bytes to `out` as fast as it drains, then ends it. */
function pump(total: number, write: (b: Buffer) => boolean, onDrain: (f: () => void) => void, end: () => void): void {
  const buf = Buffer.alloc(MESSAGE, 7);
  let sent = 0;
  const go = (): void => {
    while (sent < total) {
      sent += MESSAGE;
      if (!write(buf)) return onDrain(go);
    }
    end();
  };
  go();
}

/** The sending process: serves one transfer, then answers with its CPU seconds. */
async function sender(mode: Mode, total: number): Promise<void> {
  const send = (m: unknown): void => void process.send!(m);
  if (mode !== 'socket') {
    const server = new grpc.Server();
    server.addService(service, {
      Get: (call: grpc.ServerWritableStream<Buffer, Buffer>) => pump(total, (b) => call.write(b), (f) => call.once('drain', f), () => call.end()),
    });
    const port = await new Promise<number>((res, rej) => server.bindAsync(`${HOST}:0`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    send({ port });
  } else {
    const server = net.createServer((sock) => pump(total, (b) => sock.write(b), (f) => sock.once('drain', f), () => sock.end()));
    await new Promise<void>((res) => server.listen(0, HOST, res));
    send({ port: (server.address() as net.AddressInfo).port });
  }
  process.on('message', () => {
    send({ cpu: cpuSeconds() });
    process.exit(0);
  });
}

// The agents' patch (shared/grpc/large-frames.ts) is once for the process; this one is switched per round.
let bigFrames = false;
const connect = http2.connect.bind(http2);
(http2 as { connect: unknown }).connect = (authority: string, options: http2.ClientSessionOptions, listener?: () => void) =>
  connect(authority, bigFrames ? { ...options, settings: { ...options?.settings, maxFrameSize: 1024 * 1024 } } : options, listener);

async function receive(mode: Mode, port: number): Promise<number> {
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    if (mode !== 'socket') {
      bigFrames = mode === 'grpc-frames';
      const Client = grpc.makeGenericClientConstructor(service, 'Bulk');
      const client = new Client(`${HOST}:${port}`, grpc.credentials.createInsecure(), { 'grpc-node.flow_control_window': 4 * 1024 * 1024 });
      const call = (client as unknown as { Get: (req: Buffer) => grpc.ClientReadableStream<Buffer> }).Get(Buffer.alloc(0));
      call.on('data', (d: Buffer) => (got += d.length));
      call.on('end', () => {
        client.close();
        resolve();
      });
      call.on('error', reject);
    } else {
      const sock = net.connect(port, HOST);
      sock.on('data', (d) => (got += d.length));
      sock.on('end', resolve);
      sock.on('error', reject);
    }
  });
  return got;
}

async function once(mode: Mode, total: number): Promise<{ wall: number; recv: number; send: number }> {
  const child = fork(process.argv[1]!, ['--sender', mode, '--bytes', String(total)]);
  // The sender says one thing at a time, and only when asked (its port, then its CPU).
  const next = (): Promise<Record<string, number>> => new Promise((r) => child.once('message', (m) => r(m as Record<string, number>)));
  const { port } = await next();
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const got = await receive(mode, port!);
  const wall = (performance.now() - t0) / 1000;
  const recv = cpuSeconds() - cpu0;
  if (got !== total) throw new Error(`${mode}: received ${got} of ${total} bytes`);
  child.send('cpu');
  const { cpu } = await next();
  return { wall, recv, send: cpu! };
}

async function main(): Promise<void> {
  const s = process.argv.indexOf('--sender');
  if (s > 0) return sender(process.argv[s + 1] as Mode, arg('bytes', 0));
  const total = Math.ceil((arg('mb', 2048) * 1024 * 1024) / MESSAGE) * MESSAGE;
  const rounds = arg('rounds', 2);
  console.log(`${(total / 2 ** 20).toFixed(0)} MiB in ${MESSAGE / 1024} KiB messages, sender and receiver in separate processes on loopback`);
  for (let r = 1; r <= rounds; r++) {
    const g = await once('grpc', total);
    const f = await once('grpc-frames', total);
    const t = await once('socket', total);
    const line = (name: string, x: typeof g): string => `${name}: ${x.wall.toFixed(2)} s, receiver ${x.recv.toFixed(2)} CPU-s, sender ${x.send.toFixed(2)} CPU-s`;
    console.log(`round ${r}: ${line('grpc-js stream', g)}; ${line('grpc-js, 1 MiB frames', f)}; ${line('TCP socket', t)}`);
    console.log(`  grpc-js against the socket: ${(t.wall / g.wall).toFixed(2)}x the speed, ${((g.recv + g.send) / (t.recv + t.send)).toFixed(2)}x the CPU`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
