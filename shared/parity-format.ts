// A parity table as fixed-width text for terminals and the demo: grouped by category, one
// marker column so differences stand out without colour.
import type { ParityStatus, ParityTable } from './parity.js';

const MARKER: Record<ParityStatus, string> = { equal: ' ', allowed: ' ', differs: '≠', missing: '?' };
const MAX_VALUE = 40;
const MAX_KEY = 60;

/** Pieces of at most `width`: at colons if that is enough (fingerprints), else anywhere. */
function split(piece: string, width: number): string[] {
  if (piece.trimEnd().length <= width) return [piece];
  const out: string[] = [];
  let rest = piece;
  while (rest.trimEnd().length > width) {
    const colon = rest.lastIndexOf(':', width - 1);
    const cut = colon > 0 ? colon + 1 : width;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  return [...out, rest];
}

/** A value as lines of at most `width`, broken after commas or spaces: sql_mode stays whole. */
function wrap(value: string | null, width: number): string[] {
  if (value === null) return ['—'];
  const pieces = (value.replace(/\s+/g, ' ').trim().match(/[^, ]*(?:, ?| |$)/g) ?? []).flatMap((p) => split(p, width));
  const lines: string[] = [];
  let current = '';
  for (const piece of pieces) {
    if (piece === '') continue;
    if (current !== '' && (current + piece).trimEnd().length > width) {
      lines.push(current.trimEnd());
      current = '';
    }
    current += piece;
  }
  if (current.trim() !== '' || lines.length === 0) lines.push(current.trimEnd());
  return lines;
}

export function formatParityTable(table: ParityTable): string {
  const rows = table.rows.map((r) => ({ ...r, k: wrap(r.key, MAX_KEY), s: wrap(r.staging, MAX_VALUE), p: wrap(r.production, MAX_VALUE) }));
  const head = { k: 'KEY', s: `STAGING (${table.staging})`, p: `PRODUCTION (${table.production})` };
  const widest = (cells: string[][]) => Math.max(0, ...cells.flat().map((c) => c.length));
  const wk = Math.max(head.k.length, widest(rows.map((r) => r.k)));
  const ws = Math.max(head.s.length, widest(rows.map((r) => r.s)));
  const wp = Math.max(head.p.length, widest(rows.map((r) => r.p)));
  const line = (marker: string, k: string, s: string, p: string, status: string) =>
    `${marker} ${k.padEnd(wk)}  ${s.padEnd(ws)}  ${p.padEnd(wp)}  ${status}`.trimEnd();

  const out = [`Runtime parity: ${table.staging} → ${table.production}`, '', line(' ', head.k, head.s, head.p, 'STATUS')];
  let category: string | undefined;
  for (const r of rows) {
    if (r.category !== category) {
      category = r.category;
      out.push(`[${category}]`);
    }
    const height = Math.max(r.k.length, r.s.length, r.p.length);
    for (let i = 0; i < height; i++) {
      out.push(line(i > 0 ? ' ' : r.unreadable === true ? '!' : MARKER[r.status], r.k[i] ?? '', r.s[i] ?? '', r.p[i] ?? '', i > 0 ? '' : r.unreadable === true ? `${r.status} (unreadable)` : r.status));
    }
  }
  const { equal, differs, missing, allowed, unknown = 0 } = table.summary;
  out.push('', `${table.rows.length} rows: ${equal} equal, ${differs} differs${unknown > 0 ? ` (${unknown} of them unreadable)` : ''}, ${missing} missing, ${allowed} allowed to differ`);
  for (const u of table.unreadable ?? []) out.push(`! could not read ${u.what} on ${u.agent} (${u.side}): ${u.error}`);
  return out.join('\n');
}
