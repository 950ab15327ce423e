// A FAKE of the Cloudflare API v4 (the subset Switchyard calls), on loopback port 0. It follows
// the documented shapes — the {success, errors, messages, result} envelope, bearer auth, zones by
// name, dns_records filtered by type and name, PATCH/POST/DELETE of one record, comment and tags
// (an empty comment clears it) — and records every request so tests can assert method, path,
// auth header and body exactly. POST
// /zones/:id/purge_cache accepts a purge and records it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export interface FakeRecord {
  id: string;
  zone_id: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
  proxied: boolean;
  comment?: string;
  /** `name:value` tags; the API answers [] for a record without. */
  tags?: string[];
}

export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface Fault {
  /** Only requests with this method (default: any). */
  method?: string;
  status?: number;
  /** Body text instead of the usual error envelope. */
  body?: string;
  /** Hold the answer this long (to provoke a client timeout). */
  delayMs?: number;
  headers?: Record<string, string>;
  /** Only requests this picks out (e.g. by body: the restore's PATCH, not the switch's). */
  match?: (req: SeenRequest) => boolean;
}

export interface CloudflareFake {
  baseUrl: string;
  token: string;
  zones: { id: string; name: string }[];
  records: FakeRecord[];
  requests: SeenRequest[];
  /** Cache purges the fake accepted, in order. */
  purges: { zoneId: string; body: unknown }[];
  /** Faults consumed one per matching request, in order. */
  faults: Fault[];
  /**
   * Until this time (ms since the epoch) every request is refused with 429 and a Retry-After of the
   * seconds left, rounded up: Cloudflare's rate limit, which blocks a token for the rest of its window.
   */
  rateLimitedUntil?: number;
  /**
   * When set, a POST or PATCH with a TTL other than 1 (automatic) below it is refused with 400
   * and code 9021, as Cloudflare refuses one below the zone's minimum (60, 30 on Enterprise).
   */
  minTtl?: number;
  close(): Promise<void>;
}

// A record as the API shows it: `comment: null` and `tags: []` when it has none.
const shown = (r: FakeRecord) => ({ ...r, comment: r.comment ?? null, tags: r.tags ?? [] });
/** As the API applies a write: an empty (or null) comment clears it. */
function applyWrite(rec: FakeRecord, b: Partial<Omit<FakeRecord, 'comment'>> & { comment?: string | null }): void {
  const { comment, ...rest } = b;
  Object.assign(rec, rest);
  if (comment === '' || comment === null) delete rec.comment;
  else if (comment !== undefined) rec.comment = comment;
}
const envelope = (result: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ success: true, errors: [], messages: [], result, ...extra });
const failure = (code: number, message: string) => JSON.stringify({ success: false, errors: [{ code, message }], messages: [], result: null });

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

export async function startCloudflareFake(ctx: Pick<TestContext, 'after'>, token = 'cf-test-token-0123456789abcdef'): Promise<CloudflareFake> {
  let nextId = 100;
  const fake: Omit<CloudflareFake, 'baseUrl' | 'close'> = { token, zones: [], records: [], requests: [], purges: [], faults: [] };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    fake.requests.push({ method: req.method ?? '', path: url.pathname + url.search, authorization: req.headers.authorization, body });
    const send = (status: number, text: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(text);
    };

    const blockedMs = (fake.rateLimitedUntil ?? 0) - Date.now();
    if (blockedMs > 0) return send(429, failure(971, 'Please wait and consider throttling your request speed'), { 'Retry-After': String(Math.ceil(blockedMs / 1000)) });
    const seen = fake.requests.at(-1)!;
    const faultIdx = fake.faults.findIndex((f) => (f.method === undefined || f.method === req.method) && (f.match === undefined || f.match(seen)));
    if (faultIdx >= 0) {
      const [f] = fake.faults.splice(faultIdx, 1);
      if (f?.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
      if (f?.status !== undefined) return send(f.status, f.body ?? failure(f.status === 429 ? 10013 : 10001, f.status === 429 ? 'Rate limited' : 'Internal server error'), f.headers);
    }
    if (req.headers.authorization !== `Bearer ${token}`) return send(403, failure(10000, 'Authentication error'));

    const parts = url.pathname.replace(/^\/client\/v4/, '').split('/').filter(Boolean);
    if (req.method === 'GET' && parts.length === 1 && parts[0] === 'zones') {
      const name = url.searchParams.get('name');
      const zones = fake.zones.filter((z) => name === null || z.name === name);
      return send(200, envelope(zones, { result_info: { page: 1, per_page: 20, count: zones.length, total_count: zones.length, total_pages: 1 } }));
    }
    if (req.method === 'POST' && parts[0] === 'zones' && parts[2] === 'purge_cache' && parts.length === 3 && fake.zones.some((z) => z.id === parts[1])) {
      // The API wants exactly one purge mode; purge_everything is the one Switchyard uses.
      const b = body as { purge_everything?: unknown; files?: unknown } | undefined;
      if (b?.purge_everything !== true && !Array.isArray(b?.files)) return send(400, failure(1012, 'Request must contain one of "purge_everything", "files", "tags", "hosts" or "prefixes"'));
      fake.purges.push({ zoneId: parts[1]!, body: b });
      return send(200, envelope({ id: `purge-${parts[1]}-${fake.purges.length}` }));
    }
    if (parts[0] !== 'zones' || parts[2] !== 'dns_records' || !fake.zones.some((z) => z.id === parts[1])) return send(404, failure(7003, 'Could not route to the requested resource'));
    const zoneId = parts[1]!;
    const recId = parts[3];
    const ttl = (body as { ttl?: unknown } | undefined)?.ttl;
    if ((req.method === 'POST' || req.method === 'PATCH') && fake.minTtl !== undefined && typeof ttl === 'number' && ttl !== 1 && ttl < fake.minTtl) {
      return send(400, failure(9021, `Invalid TTL. Must be between ${fake.minTtl} and 86400 seconds, or 1 for Automatic.`));
    }
    if (req.method === 'GET' && recId === undefined) {
      const type = url.searchParams.get('type');
      const name = url.searchParams.get('name');
      const found = fake.records.filter((r) => r.zone_id === zoneId && (type === null || r.type === type) && (name === null || r.name === name));
      // Paged as the API documents it: page from 1, per_page 100 unless asked.
      const page = Number(url.searchParams.get('page') ?? 1);
      const perPage = Number(url.searchParams.get('per_page') ?? 100);
      const slice = found.slice((page - 1) * perPage, page * perPage);
      return send(200, envelope(slice.map(shown), { result_info: { page, per_page: perPage, count: slice.length, total_count: found.length, total_pages: Math.max(1, Math.ceil(found.length / perPage)) } }));
    }
    if (req.method === 'POST' && recId === undefined) {
      const b = body as Partial<FakeRecord>;
      const rec: FakeRecord = { id: `rec${nextId++}`, zone_id: zoneId, name: b.name ?? '', type: b.type ?? '', content: b.content ?? '', ttl: b.ttl ?? 1, proxied: b.proxied ?? false };
      applyWrite(rec, { ...(b.comment === undefined ? {} : { comment: b.comment }), ...(b.tags === undefined ? {} : { tags: b.tags }) });
      fake.records.push(rec);
      return send(200, envelope(shown(rec)));
    }
    const rec = fake.records.find((r) => r.zone_id === zoneId && r.id === recId);
    if (rec === undefined) return send(404, failure(81044, 'Record does not exist.'));
    if (req.method === 'PATCH') {
      // PATCH changes only the fields sent; the rest stay as they are.
      applyWrite(rec, body as Partial<FakeRecord>);
      return send(200, envelope(shown(rec)));
    }
    if (req.method === 'DELETE') {
      fake.records.splice(fake.records.indexOf(rec), 1);
      return send(200, envelope({ id: rec.id }));
    }
    return send(405, failure(10000, 'Method not allowed'));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  ctx.after(close);
  return Object.assign(fake, { baseUrl: `http://127.0.0.1:${port}/client/v4`, close }) as CloudflareFake;
}
