// Text files of an asset root that still contain a string — the staging host hard-coded in a
// theme's CSS, a plugin's JSON, an SVG — listed with path, line and the text around it. Walks
// without following symlinks (the root's own files only), reads line by line so a large file
// is never held whole, and stops at a match limit so a site full of them answers quickly.
import { createReadStream } from 'node:fs';
import { lstat, readdir, realpath } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { SwitchyardError } from '../../shared/errors.js';

export const DEFAULT_EXTENSIONS = ['css', 'js', 'php', 'html', 'json', 'svg'];
export const DEFAULT_MAX_MATCHES = 1000;
const MAX_FILE_BYTES = 32 * 1024 * 1024;
const EXCERPT_CONTEXT = 80;

export interface ScanMatch {
  path: string;
  line: number;
  excerpt: string;
}

export interface ScanResult {
  matches: ScanMatch[];
  filesScanned: number;
  truncated: boolean;
  skipped: string[];
}

export interface ScanTextOptions {
  extensions?: readonly string[];
  maxMatches?: number;
  signal?: AbortSignal;
}

async function* walk(dir: string, signal?: AbortSignal): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (signal?.aborted) return;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p, signal);
    else if (e.isFile()) yield p;
  }
}

function excerptAround(line: string, at: number, length: number): string {
  const start = Math.max(0, at - EXCERPT_CONTEXT);
  const end = Math.min(line.length, at + length + EXCERPT_CONTEXT);
  return `${start > 0 ? '…' : ''}${line.slice(start, end).trim()}${end < line.length ? '…' : ''}`;
}

export async function scanText(rootPath: string, needle: string, opts: ScanTextOptions = {}): Promise<ScanResult> {
  if (needle.trim() === '') throw new SwitchyardError('SY_VALIDATION', 'needle: must not be empty', { field: 'needle' });
  const exts = new Set((opts.extensions !== undefined && opts.extensions.length > 0 ? opts.extensions : DEFAULT_EXTENSIONS).map((e) => `.${e.replace(/^\./, '').toLowerCase()}`));
  const maxMatches = opts.maxMatches !== undefined && opts.maxMatches > 0 ? opts.maxMatches : DEFAULT_MAX_MATCHES;
  const root = await realpath(rootPath);
  const lowered = needle.toLowerCase();
  const result: ScanResult = { matches: [], filesScanned: 0, truncated: false, skipped: [] };

  for await (const file of walk(root, opts.signal)) {
    if (!exts.has(extname(file).toLowerCase())) continue;
    const rel = relative(root, file).split(sep).join('/');
    const st = await lstat(file);
    if (st.size > MAX_FILE_BYTES) {
      result.skipped.push(`${rel}: ${st.size} bytes, over ${MAX_FILE_BYTES}`);
      continue;
    }
    result.filesScanned++;
    const input = createReadStream(file, { encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Infinity });
    let n = 0;
    try {
      for await (const line of lines) {
        n++;
        const at = line.toLowerCase().indexOf(lowered);
        if (at < 0) continue;
        if (result.matches.length >= maxMatches) {
          result.truncated = true;
          return result;
        }
        result.matches.push({ path: rel, line: n, excerpt: excerptAround(line, at, needle.length) });
      }
    } finally {
      lines.close();
      input.destroy();
    }
    if (opts.signal?.aborted) break;
  }
  return result;
}
