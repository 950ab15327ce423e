// The note an agent sends for an env file it could not read. Its variables are then unknown on
// that side, not absent, so the controller reads the note back: one format, kept in one place.
// Agents older than this module send the same text.

const PREFIX = 'env: ';
const MARK = ': cannot read: ';

/** `code` is the errno code (EACCES, ENOENT, …): never file contents. */
export function envUnreadableNote(file: string, code: string): string {
  return `${PREFIX}${file}${MARK}${code}`;
}

/** The file and why, when the note says an env file could not be read. */
export function parseEnvUnreadableNote(note: string): { file: string; error: string } | undefined {
  if (!note.startsWith(PREFIX)) return undefined;
  const at = note.lastIndexOf(MARK);
  if (at < PREFIX.length) return undefined;
  return { file: note.slice(PREFIX.length, at), error: `cannot read: ${note.slice(at + MARK.length)}` };
}
