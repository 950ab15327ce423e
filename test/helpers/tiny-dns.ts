// A REAL tiny DNS server on 127.0.0.1 (UDP, A records only) answering what `answer()` returns
// now: a zone's authoritative server whose record the test switches.
import type { TestContext } from 'node:test';
import { createSocket } from 'node:dgram';

/** Answers every A query with `answer()` after `delayMs(n)` for the n-th query (from 1); authoritative flag set, TTL 60. */
export async function tinyDnsServer(t: TestContext, answer: () => string, delayMs: (n: number) => number = () => 0): Promise<string> {
  const sock = createSocket('udp4');
  let queries = 0;
  sock.on('message', (q, rinfo) => {
    const delay = delayMs(++queries);
    if (delay > 0) setTimeout(() => reply(q, rinfo), delay);
    else reply(q, rinfo);
  });
  const reply = (q: Buffer, rinfo: { port: number; address: string }): void => {
    let i = 12;
    while (q[i] !== 0) i += q[i]! + 1;
    const question = q.subarray(12, i + 5);
    const header = Buffer.from([q[0]!, q[1]!, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0]);
    const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...answer().split('.').map(Number)]);
    sock.send(Buffer.concat([header, question, rr]), rinfo.port, rinfo.address);
  };
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  t.after(() => sock.close());
  return `127.0.0.1:${sock.address().port}`;
}
