// Transfer tokens the controller registers on the staging agent: each lets its bearer read one
// asset root until it expires. Only a hash of the token is kept, so a memory dump or a log line
// cannot replay it.
import { createHash } from 'node:crypto';
import { SwitchyardError } from '../../shared/errors.js';

interface Grant {
  root: string;
  expiresAt: number;
}

const MAX_TTL_SECONDS = 7 * 24 * 3600;
const DEFAULT_TTL_SECONDS = 3600;

function key(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class TransferTokens {
  private readonly grants = new Map<string, Grant>();

  constructor(private readonly now: () => number = Date.now) {}

  authorize(token: string, root: string, ttlSeconds = DEFAULT_TTL_SECONDS): Date {
    if (typeof token !== 'string' || token.length < 16) {
      throw new SwitchyardError('SY_VALIDATION', 'token: at least 16 characters', { field: 'token' });
    }
    const ttl = Math.min(ttlSeconds > 0 ? ttlSeconds : DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS);
    const expiresAt = this.now() + ttl * 1000;
    this.grants.set(key(token), { root, expiresAt });
    return new Date(expiresAt);
  }

  revoke(token: string): boolean {
    return this.grants.delete(key(token));
  }

  /** Throws SY_UNAUTHENTICATED unless the token is live and was granted for this root. */
  check(token: string, root: string): void {
    const g = typeof token === 'string' && token !== '' ? this.grants.get(key(token)) : undefined;
    if (g === undefined || g.expiresAt <= this.now()) {
      if (g !== undefined) this.grants.delete(key(token));
      throw new SwitchyardError('SY_UNAUTHENTICATED', 'transfer token unknown or expired', { field: 'token' });
    }
    if (g.root !== root) throw new SwitchyardError('SY_FORBIDDEN', `transfer token does not cover asset root ${root}`, { field: 'root' });
  }
}
