// The note an agent sends for an env file it could not read. Its variables are then unknown on
// that side, not absent. Facts now say so in a field of their own (env_unreadable); the controller
// reads the note back only from agents older than that field: one format, kept in one place.

const PREFIX = 'env: ';
const MARK = ': cannot read: ';

/** `code` is the errno code (EACCES, ENOENT, …): never file contents. */
export function envUnreadableNote(file: string, code: string): string {
  return `${PREFIX}${file}${MARK}${code}`;
}

/** The file and why, when the note says an env file could not be read. */
export function parseEnvUnreadableNote(note: string): { file: string; code: string } | undefined {
  if (!note.startsWith(PREFIX)) return undefined;
  const at = note.lastIndexOf(MARK);
  if (at < PREFIX.length) return undefined;
  return { file: note.slice(PREFIX.length, at), code: note.slice(at + MARK.length) };
}
