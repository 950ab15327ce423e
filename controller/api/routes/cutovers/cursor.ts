// The `cursor` of GET /v1/cutovers: where the previous page ended, opaque to clients so the
// listing's order can change inside without breaking the scripts that page through it.
import type { ListPosition } from '../../../cutover/store/index.js';
import { SwitchyardError } from '../../../../shared/errors.js';

export function encodeCursor(at: ListPosition): string {
  return Buffer.from(JSON.stringify([at.createdAt, at.id]), 'utf8').toString('base64url');
}

/** A cursor this controller issued, or a 400 naming the parameter: a guessed one must not list from an arbitrary place. */
export function decodeCursor(text: string): ListPosition {
  let value: unknown;
  try {
    value = /^[A-Za-z0-9_-]+$/.test(text) ? JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) : undefined;
  } catch {
    value = undefined;
  }
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && !Number.isNaN(Date.parse(value[0])) && typeof value[1] === 'string' && value[1] !== '') {
    return { createdAt: value[0], id: value[1] };
  }
  throw new SwitchyardError(
    'SY_VALIDATION',
    'query parameter cursor: not a cursor from this API; use the `next` link (or `nextCursor`) of the previous page as it is, or leave cursor out for the first page',
    { field: 'cursor' },
  );
}
