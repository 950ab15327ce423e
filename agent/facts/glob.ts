// Absolute path patterns with `*`, `?` and `[…]` inside path components, as php-fpm's own
// `include=` takes them (Node 20 has no fs.glob). Enough for pool directories; no `**`. Not a
// glob library: those we looked at (tinyglobby, fast-glob) pass over a directory they cannot read,
// and an unreadable pool directory must show as unreadable, never as a host without pools.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const MAGIC = /[*?[]/;

/** One path component's pattern as a regular expression; a leading dot is matched only by a dot, as glob(3) does. */
export function componentRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      const body = pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
      re += `[${body}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern.startsWith('.') ? '' : '(?!\\.)'}${re}$`);
}

export interface GlobResult {
  /** Regular files matched, sorted within each component as the shell sorts them. */
  files: string[];
  /** Directories or files that exist and could not be read (EACCES, …), with the errno code. */
  errors: Array<{ path: string; code: string }>;
}

const ABSENT = new Set(['ENOENT', 'ENOTDIR']);

/**
 * Files matching an absolute pattern. A pattern without wildcards is a file that must exist: its
 * absence is an error. A wildcard matching nothing is no error (a default pattern for another
 * distribution's layout).
 */
export async function expandGlob(pattern: string): Promise<GlobResult> {
  const errors: GlobResult['errors'] = [];
  const parts = pattern.split('/').filter((p) => p !== '');
  let current = ['/'];
  for (const part of parts) {
    if (!MAGIC.test(part)) {
      current = current.map((dir) => join(dir, part));
      continue;
    }
    const re = componentRegExp(part);
    const next: string[] = [];
    for (const dir of current) {
      try {
        const names = (await readdir(dir)).filter((n) => re.test(n)).sort();
        next.push(...names.map((n) => join(dir, n)));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        if (!ABSENT.has(code)) errors.push({ path: dir, code });
      }
    }
    current = next;
  }
  const literal = !MAGIC.test(pattern);
  const files: string[] = [];
  for (const path of current) {
    try {
      if ((await stat(path)).isFile()) files.push(path);
      else if (literal) errors.push({ path, code: 'EISDIR' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (literal || !ABSENT.has(code)) errors.push({ path, code });
    }
  }
  return { files, errors };
}
