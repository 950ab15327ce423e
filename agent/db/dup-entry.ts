// What a duplicate-key error (ER_DUP_ENTRY, 1062) says, read once here: the unique key a row
// collided on and the values it took, so an error can name them instead of passing on the
// server's text.
export const ER_DUP_ENTRY = 1062;

export interface DupEntry {
  /** The UNIQUE key (or PRIMARY), as the server names it, without MySQL 8's `table.` prefix. */
  key: string;
  /** The values the row took under that key, as the server wrote them (parts joined by '-'). */
  values: string;
}

/** "Duplicate entry 'a@b.c-1' for key 'email'" (MySQL 8 writes the key as 'table.email'); undefined for any other text. */
export function dupEntry(err: unknown): DupEntry | undefined {
  const msg = (err as { sqlMessage?: string; message?: string }).sqlMessage ?? (err as Error).message ?? '';
  const m = /^Duplicate entry '([\s\S]*)' for key '([^']*)'$/.exec(msg);
  return m === null ? undefined : { key: m[2]!.replace(/^.*\./, ''), values: m[1]! };
}
