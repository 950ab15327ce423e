// Bearer-token authentication and role checks for the REST edge. Every route requires a
// valid token unless it opts out with `config: { public: true }`; a route that acts declares
// `config: { role: 'operator' }`. Secure by default, so a route added later cannot be left
// open by forgetting a line. Only sha256 hashes of tokens are configured.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SwitchyardError } from '../../shared/errors.js';

export type Role = 'viewer' | 'operator';

export interface Principal {
  name: string;
  role: Role;
}

export interface TokenEntry {
  name: string;
  role: Role;
  /** `sha256:<64 hex>` */
  hash: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Skip authentication: liveness, metrics scrapes, the API document. */
    public?: boolean;
    /** Least role allowed; `viewer` when absent. */
    role?: Role;
  }
  interface FastifyRequest {
    /** Who called, once authenticated; null on public routes. */
    principal: Principal | null;
  }
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1 };
const HASH_PREFIX = 'sha256:';

export function hashToken(token: string): string {
  return HASH_PREFIX + createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token: 32 random bytes, base64url, prefixed so it is recognisable in a secret scanner. */
export function generateToken(): string {
  return 'sy_' + randomBytes(32).toString('base64url');
}

interface KnownToken {
  digest: Buffer;
  principal: Principal;
}

function compile(tokens: readonly TokenEntry[]): KnownToken[] {
  return tokens.map((t) => {
    if (!/^sha256:[0-9a-f]{64}$/.test(t.hash)) {
      throw new SwitchyardError('SY_CONFIG_INVALID', `tokens: ${t.name}: hash must be sha256:<64 hex>`, { field: 'tokens' });
    }
    return { digest: Buffer.from(t.hash.slice(HASH_PREFIX.length), 'hex'), principal: { name: t.name, role: t.role } };
  });
}

/** The principal whose hash matches; every entry is compared so timing does not tell which matched. */
function lookup(known: readonly KnownToken[], presented: string): Principal | undefined {
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: Principal | undefined;
  for (const k of known) {
    if (timingSafeEqual(k.digest, digest) && found === undefined) found = k.principal;
  }
  return found;
}

/**
 * How many Authorization headers came. Node keeps only the first in request.headers and drops
 * the rest without a word, so a request with a valid token and then a wrong one was let in on
 * the first while a proxy or log may have gone by the second: which one counts is ambiguous,
 * and such a request is refused.
 */
function authorizationHeaders(request: FastifyRequest): number {
  const raw = request.raw.rawHeaders;
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'authorization') n++;
  return n;
}

type Presented = { token: string } | { problem: string };

/** The bearer token, or what is wrong with the header in words that say what to send. */
function bearerOf(request: FastifyRequest): Presented {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') return { problem: 'missing bearer token: send Authorization: Bearer TOKEN' };
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (m !== null) return { token: m[1]! };
  const [scheme = '', ...rest] = header.trim().split(/[ \t]+/);
  if (scheme.toLowerCase() === 'bearer') return { problem: 'malformed bearer token: send Authorization: Bearer TOKEN, one token without spaces' };
  // Only the scheme is named, never the credentials after it. A lone word (a token pasted
  // without its scheme) or one that is not a plain name is not echoed either.
  if (rest.length > 0 && /^[A-Za-z][A-Za-z0-9_.+-]{0,31}$/.test(scheme)) return { problem: `authorization scheme ${scheme} is not supported: send Authorization: Bearer TOKEN` };
  return { problem: 'authorization is not a bearer token: send Authorization: Bearer TOKEN' };
}

/** The authenticated caller of a route that is not public. */
export function requirePrincipal(request: FastifyRequest): Principal {
  if (request.principal === null) throw new SwitchyardError('SY_UNAUTHENTICATED', 'this route needs a bearer token');
  return request.principal;
}

/** Adds authentication to `app` itself (not an encapsulated child), so it covers every route. */
export function installAuth(app: FastifyInstance, tokens: readonly TokenEntry[]): void {
  const known = compile(tokens);
  app.decorateRequest('principal', null);
  // OPTIONS or a wrong method on a public path (/healthz) is answered without a token like the
  // path itself; public routes have literal paths, so a set of them is enough.
  const publicPaths = new Set<string>();
  app.addHook('onRoute', (route) => {
    if (route.config?.public === true) publicPaths.add(route.url);
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.public === true) return;
    // An unmatched URL has no route config; it still needs a token, so routes cannot be probed.
    if (request.is404 && publicPaths.has(request.url.split('?')[0] ?? '')) return;
    if (authorizationHeaders(request) > 1) {
      reply.header('www-authenticate', 'Bearer realm="switchyard", error="invalid_request"');
      throw new SwitchyardError('SY_VALIDATION', 'more than one Authorization header: send exactly one, Authorization: Bearer TOKEN', { field: 'authorization' });
    }
    const presented = bearerOf(request);
    if ('problem' in presented) {
      reply.header('www-authenticate', 'Bearer realm="switchyard"');
      throw new SwitchyardError('SY_UNAUTHENTICATED', presented.problem);
    }
    const principal = lookup(known, presented.token);
    if (principal === undefined) {
      reply.header('www-authenticate', 'Bearer realm="switchyard", error="invalid_token"');
      throw new SwitchyardError('SY_UNAUTHENTICATED', 'unknown bearer token');
    }
    request.principal = principal;
    const needed = request.routeOptions.config.role ?? 'viewer';
    if (RANK[principal.role] < RANK[needed]) {
      throw new SwitchyardError('SY_FORBIDDEN', `token ${principal.name} has role ${principal.role}; this needs ${needed}`);
    }
  });
}
