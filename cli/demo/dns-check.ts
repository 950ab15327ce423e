// The demo's proof that the record moved: a real DNS query to the authoritative server.
import { Resolver } from 'node:dns/promises';

export async function resolveA(server: string, name: string): Promise<{ addresses: string[]; ttl: number }> {
  const r = new Resolver({ timeout: 2000, tries: 2 });
  r.setServers([server]);
  const answers = await r.resolve4(name, { ttl: true });
  return { addresses: answers.map((a) => a.address), ttl: answers[0]?.ttl ?? 0 };
}
