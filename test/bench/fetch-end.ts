// Fetch messages per small file: the chunk and its end in one message (end_with_chunk, what
// staging sends a production agent that asks) against the end in a message of its own (what a
// staging agent without the field sends). Both ends of the connection run in this process, so
// the CPU figure is the pair's. Not part of `npm test`.
//   npx tsc -p . && node dist/test/bench/fetch-end.js [--files N] [--rounds N]
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../shared/grpc/load.js';
import type { ProtoGrpcType as AssetsProto } from '../../shared/proto-gen/assets.js';
import { Fetcher } from '../../agent/assets/fetcher.js';
import { oneChunkFetchServer, type EndStyle as Style } from '../helpers/fetch-server.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const files = arg('files', 26_000);
const rounds = arg('rounds', 8);
const data = randomBytes(32 * 1024);
const proto = loadProto<AssetsProto>();

async function run(style: Style): Promise<number> {
  const server = await oneChunkFetchServer(() => data, style);
  const client = new proto.switchyard.v1.Assets(server.address, grpc.credentials.createInsecure());
  const fetcher = new Fetcher(client, 'token', 'site', 4);
  const before = process.cpuUsage();
  let next = 0;
  // 64 in flight, as a pull keeps them.
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < files) {
        next++;
        const end = await fetcher.fetch({ path: 'f', indexes: [0], expectedSha256: Buffer.alloc(32), expectedSize: data.length, onChunk: async () => undefined });
        if (end.status !== 'ok') throw new Error(`end ${end.status}`);
      }
    }),
  );
  const cpu = process.cpuUsage(before);
  await fetcher.close();
  client.close();
  await server.stop();
  return (cpu.user + cpu.system) / files;
}

const perFile: Record<Style, number[]> = { combined: [], separate: [] };
for (let r = 0; r < rounds; r++) {
  // Alternating, and the first round only warms up (JIT, connections).
  for (const style of ['separate', 'combined'] as const) {
    const us = await run(style);
    if (r > 0) perFile[style].push(us);
  }
}
const range = (xs: number[]): string => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`${files} files of 32 KiB, ${rounds - 1} measured rounds: CPU per file (both ends) end alone ${range(perFile.separate)} µs, end with the chunk ${range(perFile.combined)} µs`);
console.log(`median ratio (end alone / end with the chunk): ${(median(perFile.separate) / median(perFile.combined)).toFixed(2)}×`);
