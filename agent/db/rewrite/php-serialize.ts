// A strict parser and serializer for PHP's serialize() format, on "byte strings" (latin1-decoded
// buffers, one char per byte) so every s:N length is a byte count whatever the text encoding.
// Strict on purpose: anything that does not parse exactly is left alone by the rewrite.

export type PhpValue =
  | { t: 'N' }
  | { t: 'b' | 'i' | 'd'; raw: string }
  | { t: 's'; v: string }
  | { t: 'a'; items: Array<[PhpValue, PhpValue]> }
  | { t: 'O'; cls: string; items: Array<[PhpValue, PhpValue]> }
  | { t: 'C'; cls: string; data: string }
  | { t: 'E'; v: string }
  | { t: 'r' | 'R'; raw: string };

export class PhpParseError extends Error {}

const DIGITS = /^[0-9]+$/;

class Parser {
  constructor(private readonly s: string, public pos: number) {}

  private fail(why: string): never {
    throw new PhpParseError(`${why} at byte ${this.pos}`);
  }

  private expect(ch: string): void {
    if (this.s[this.pos] !== ch) this.fail(`expected ${JSON.stringify(ch)}`);
    this.pos++;
  }

  private until(ch: string): string {
    const end = this.s.indexOf(ch, this.pos);
    if (end < 0) this.fail(`missing ${JSON.stringify(ch)}`);
    const out = this.s.slice(this.pos, end);
    this.pos = end + 1;
    return out;
  }

  private length(): number {
    const n = this.until(':');
    if (!DIGITS.test(n) || n.length > 12) this.fail('bad length');
    return Number(n);
  }

  private bytes(n: number): string {
    this.expect('"');
    if (this.pos + n > this.s.length) this.fail('string runs past the end');
    const v = this.s.slice(this.pos, this.pos + n);
    this.pos += n;
    this.expect('"');
    return v;
  }

  private items(n: number): Array<[PhpValue, PhpValue]> {
    this.expect('{');
    const out: Array<[PhpValue, PhpValue]> = [];
    for (let i = 0; i < n; i++) {
      const k = this.value();
      if (k.t !== 'i' && k.t !== 's') this.fail('array key must be int or string');
      out.push([k, this.value()]);
    }
    this.expect('}');
    return out;
  }

  value(depth = 0): PhpValue {
    if (depth > 512) this.fail('nested too deep');
    const t = this.s[this.pos];
    if (t === undefined || this.s[this.pos + 1] !== (t === 'N' ? ';' : ':')) this.fail('not a serialized value');
    this.pos += 2;
    switch (t) {
      case 'N':
        return { t: 'N' };
      case 'b': {
        const raw = this.until(';');
        if (raw !== '0' && raw !== '1') this.fail('bad bool');
        return { t: 'b', raw };
      }
      case 'i': {
        const raw = this.until(';');
        if (!/^[-+]?[0-9]+$/.test(raw)) this.fail('bad int');
        return { t: 'i', raw };
      }
      case 'd': {
        const raw = this.until(';');
        if (!/^([-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?|-?INF|NAN)$/.test(raw)) this.fail('bad float');
        return { t: 'd', raw };
      }
      case 's': {
        const v = this.bytes(this.length());
        this.expect(';');
        return { t: 's', v };
      }
      case 'E': {
        const v = this.bytes(this.length());
        this.expect(';');
        return { t: 'E', v };
      }
      case 'r':
      case 'R': {
        const raw = this.until(';');
        if (!DIGITS.test(raw)) this.fail('bad reference');
        return { t, raw };
      }
      case 'a': {
        const n = this.length();
        return { t: 'a', items: this.itemsAt(n, depth) };
      }
      case 'O': {
        const cls = this.bytes(this.length());
        this.expect(':');
        const n = this.length();
        return { t: 'O', cls, items: this.itemsAt(n, depth) };
      }
      case 'C': {
        const cls = this.bytes(this.length());
        this.expect(':');
        const n = this.length();
        this.expect('{');
        if (this.pos + n > this.s.length) this.fail('data runs past the end');
        const data = this.s.slice(this.pos, this.pos + n);
        this.pos += n;
        this.expect('}');
        return { t: 'C', cls, data };
      }
      default:
        return this.fail(`unknown type ${JSON.stringify(t)}`);
    }
  }

  private itemsAt(n: number, depth: number): Array<[PhpValue, PhpValue]> {
    this.expect('{');
    const out: Array<[PhpValue, PhpValue]> = [];
    for (let i = 0; i < n; i++) {
      const k = this.value(depth + 1);
      if (k.t !== 'i' && k.t !== 's') this.fail('array key must be int or string');
      out.push([k, this.value(depth + 1)]);
    }
    this.expect('}');
    return out;
  }
}

/** Parses one value starting at `pos`; returns it and the index just after it. */
export function parseAt(s: string, pos: number): { value: PhpValue; end: number } {
  const p = new Parser(s, pos);
  const value = p.value();
  return { value, end: p.pos };
}

/** The whole string as exactly one serialized value, or undefined. */
export function parseExact(s: string): PhpValue | undefined {
  try {
    const { value, end } = parseAt(s, 0);
    return end === s.length ? value : undefined;
  } catch (err) {
    if (err instanceof PhpParseError) return undefined;
    throw err;
  }
}

/**
 * Begins like a serialized value (what WordPress's is_serialized looks for). A scalar counts only
 * written out whole (b:0; i:-3; d:0.5;): text such as "b: see https://…" is text, and rewritten as such.
 */
export function looksSerialized(s: string): boolean {
  return /^(?:[aO]:\d+:[{"]|[sSCE]:\d+:"|b:[01];|i:[+-]?\d+;|d:(?:[+-]?INF|NAN|[0-9.E+-]+);|N;$|[rR]:\d+;)/.test(s);
}

const len = (s: string) => s.length; // byte strings: one char per byte

export function serialize(v: PhpValue): string {
  switch (v.t) {
    case 'N':
      return 'N;';
    case 'b':
    case 'i':
    case 'd':
    case 'r':
    case 'R':
      return `${v.t}:${v.raw};`;
    case 's':
      return `s:${len(v.v)}:"${v.v}";`;
    case 'E':
      return `E:${len(v.v)}:"${v.v}";`;
    case 'a':
      return `a:${v.items.length}:{${v.items.map(([k, x]) => serialize(k) + serialize(x)).join('')}}`;
    case 'O':
      return `O:${len(v.cls)}:"${v.cls}":${v.items.length}:{${v.items.map(([k, x]) => serialize(k) + serialize(x)).join('')}}`;
    case 'C':
      return `C:${len(v.cls)}:"${v.cls}":${len(v.data)}:{${v.data}}`;
  }
}

/** The shape of a value without its string contents: equal before and after a correct rewrite. */
export function structure(v: PhpValue): string {
  switch (v.t) {
    case 's':
      return parseExact(v.v) !== undefined ? `s(${structure(parseExact(v.v)!)})` : 's';
    case 'a':
    case 'O':
      return `${v.t}${v.t === 'O' ? `<${v.cls}>` : ''}{${v.items.map(([k, x]) => `${k.t === 's' ? `s:${k.v}` : `i:${(k as { raw: string }).raw}`}=>${structure(x)}`).join(',')}}`;
    case 'b':
    case 'i':
    case 'd':
    case 'r':
    case 'R':
      return `${v.t}:${v.raw}`;
    default:
      return v.t;
  }
}
