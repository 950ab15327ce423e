// Replaces one origin with another inside a single column value, safely for PHP-serialized data
// at any depth (serialized strings inside serialized values, serialized fragments inside other
// text), JSON-escaped (https:\/\/…) and URL-encoded forms. Works on byte strings (latin1-decoded
// buffers) so re-serialized lengths are byte lengths. A value that begins like serialized data
// but does not parse is returned untouched and reported as broken.
import { looksSerialized, parseAt, parseExact, serialize, PhpParseError, type PhpValue } from './php-serialize.js';

export interface Replacement {
  from: string;
  to: string;
}

export interface RewriteOutcome {
  value: string;
  changed: boolean;
  /** Occurrences replaced, all forms. */
  occurrences: number;
  /** The value (or a part of it) was serialized data that we unserialized and re-serialized. */
  serialized: boolean;
  /** Begins like serialized data but does not parse: left exactly as it was. */
  broken: boolean;
}

/** UTF-8 text → byte string (one char per byte), the form every function here works on. */
export const toBytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
export const fromBytes = (s: string): string => Buffer.from(s, 'latin1').toString('utf8');

interface Form {
  from: string;
  to: string;
}

/** Raw, JSON-escaped and URL-encoded spellings of each replacement, longest first. */
export function forms(reps: Replacement[]): Form[] {
  const out: Form[] = [];
  for (const r of reps) {
    const f = toBytes(r.from);
    const t = toBytes(r.to);
    out.push({ from: f, to: t });
    if (f.includes('/')) out.push({ from: f.replace(/\//g, '\\/'), to: t.replace(/\//g, '\\/') });
    const ef = encodeURIComponent(r.from);
    const et = encodeURIComponent(r.to);
    if (ef !== r.from) {
      out.push({ from: ef, to: et });
      if (ef.toLowerCase() !== ef) out.push({ from: ef.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()), to: et.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()) });
    }
  }
  const seen = new Set<string>();
  return out.filter((x) => x.from !== '' && !seen.has(x.from) && seen.add(x.from)).sort((a, b) => b.from.length - a.from.length);
}

class Counter {
  occurrences = 0;
  serialized = false;
  broken = false;
}

function replaceText(s: string, fs: Form[], c: Counter): string {
  let out = s;
  for (const f of fs) {
    if (!out.includes(f.from)) continue;
    const parts = out.split(f.from);
    c.occurrences += parts.length - 1;
    out = parts.join(f.to);
  }
  return out;
}

function rewriteValue(v: PhpValue, fs: Form[], c: Counter): PhpValue {
  switch (v.t) {
    case 's':
      return { t: 's', v: rewriteString(v.v, fs, c) };
    case 'a':
      return { t: 'a', items: v.items.map(([k, x]) => [k, rewriteValue(x, fs, c)]) };
    case 'O':
      return { t: 'O', cls: v.cls, items: v.items.map(([k, x]) => [k, rewriteValue(x, fs, c)]) };
    default:
      // C: (Serializable) payloads are opaque to us; numbers, refs and enums carry no URL.
      return v;
  }
}

const EMBEDDED = /[aO]:\d+:[{"]|s:\d+:"/g;

/** Text that may contain serialized fragments: each fragment that parses is rewritten as data. */
function rewriteMixed(s: string, fs: Form[], c: Counter): string {
  if (!fs.some((f) => s.includes(f.from))) return s;
  let out = '';
  let last = 0;
  EMBEDDED.lastIndex = 0;
  for (let m = EMBEDDED.exec(s); m !== null; m = EMBEDDED.exec(s)) {
    try {
      const { value, end } = parseAt(s, m.index);
      if (value.t === 's' && !fs.some((f) => value.v.includes(f.from))) continue;
      out += replaceText(s.slice(last, m.index), fs, c);
      c.serialized = true;
      out += serialize(rewriteValue(value, fs, c));
      last = end;
      EMBEDDED.lastIndex = end;
    } catch (err) {
      if (!(err instanceof PhpParseError)) throw err;
    }
  }
  return out + replaceText(s.slice(last), fs, c);
}

function rewriteString(s: string, fs: Form[], c: Counter): string {
  if (looksSerialized(s)) {
    const v = parseExact(s);
    if (v === undefined) {
      c.broken = true;
      return s;
    }
    c.serialized = true;
    return serialize(rewriteValue(v, fs, c));
  }
  return rewriteMixed(s, fs, c);
}

/** Rewrites one value given as a byte string. */
export function rewriteBytes(value: string, fs: Form[]): RewriteOutcome {
  const c = new Counter();
  const out = rewriteString(value, fs, c);
  // A broken piece nested inside valid data is carried over byte for byte (its s:N length is
  // still right); only the parts that parsed change.
  return { value: out, changed: out !== value, occurrences: out === value ? 0 : c.occurrences, serialized: c.serialized, broken: c.broken };
}

/** Convenience for UTF-8 text (tests, small values). */
export function rewriteText(value: string, reps: Replacement[]): RewriteOutcome {
  const r = rewriteBytes(toBytes(value), forms(reps));
  return { ...r, value: fromBytes(r.value) };
}

/** Any spelling of any origin left in the value. */
export function containsOrigin(value: string, fs: Form[]): boolean {
  return fs.some((f) => value.includes(f.from));
}
