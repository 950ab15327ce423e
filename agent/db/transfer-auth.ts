// One-transfer authorisations the controller registers on the staging agent. Only a hash of
// each token is kept, so a lookup leaks nothing through timing and a memory dump no token.
import { createHash } from 'node:crypto';
import { SwitchyardError } from '../../shared/errors.js';

interface Grant {
  schema: string;
  expiresAt: number;
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export class TransferAuthorizations {
  private readonly grants = new Map<string, Grant>();

  authorize(token: string, schema: string, ttlSeconds: number): Date {
    if (token.length < 16) throw new SwitchyardError('SY_VALIDATION', 'token: at least 16 characters', { field: 'token' });
    const expiresAt = Date.now() + Math.max(60, ttlSeconds) * 1000;
    this.grants.set(hash(token), { schema, expiresAt });
    return new Date(expiresAt);
  }

  revoke(token: string): boolean {
    return this.grants.delete(hash(token));
  }

  /** The schema this token may read; throws when the token is unknown or expired. */
  check(token: string): string {
    const g = this.grants.get(hash(token));
    if (g === undefined || g.expiresAt < Date.now()) {
      if (g !== undefined) this.grants.delete(hash(token));
      throw new SwitchyardError('SY_UNAUTHENTICATED', 'unknown or expired transfer token', { field: 'token' });
    }
    return g.schema;
  }
}
