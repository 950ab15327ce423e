// Replaces one origin with another inside a single column value, safely for PHP-serialized data
// at any depth (serialized strings inside serialized values, serialized fragments inside other
// text), JSON-escaped (https:\/\/… and https:\u002F\u002F…), HTML-entity (https:&#x2F;&#x2F;…,
// https:&#47;&#47;…), URL-encoded and double URL-encoded forms; an http(s) origin also with the
// other web scheme, scheme-less (//host) and behind Jetpack's image proxy (i0.wp.com/host/…).
// Works on byte strings (latin1-decoded buffers) so re-serialized lengths are byte lengths. A value that begins like serialized data but does not parse is returned untouched
// and reported as broken.
import { looksSerialized, parseAt, parseExact, serialize, PhpParseError, type PhpValue } from './php-serialize.js';

/**
 * `all`: an http(s) origin is matched with either web scheme and scheme-less (//host) too, each
 * keeping the scheme it was found with; `exact`: only as written.
 */
export type Schemes = 'all' | 'exact';
export const SCHEMES: readonly Schemes[] = ['all', 'exact'];

export interface Replacement {
  from: string;
  to: string;
  /** Default `all`. */
  schemes?: Schemes;
}

export interface RewriteOutcome {
  value: string;
  changed: boolean;
  /** Occurrences replaced, all forms. */
  occurrences: number;
  /**
   * An origin is left in a spelling no form knows (another HTML entity, a \u-escaped colon or
   * letter, escapes mixed in one URL, a URL encoded three times): found by decoding the value.
   */
  hidden: boolean;
  /** The value (or a part of it) was serialized data that we unserialized and re-serialized. */
  serialized: boolean;
  /** Begins like serialized data but does not parse: left exactly as it was. */
  broken: boolean;
  /** An origin sits in a C: (Serializable) payload, whose format is the class's own: that payload is left as it was, the rest rewritten. */
  opaque: boolean;
  /** Serialized data inside escaped text (JSON) holding an origin: its lengths cannot be fixed from here, so the whole value is left as it was. */
  escaped: boolean;
}

/** UTF-8 text → byte string (one char per byte), the form every function here works on. */
export const toBytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
export const fromBytes = (s: string): string => Buffer.from(s, 'latin1').toString('utf8');

/**
 * One spelling of one origin. Its first `ci` bytes (scheme, host and port) match whatever their
 * letter case — hosts are case-insensitive — and the rest exactly. A spelling that ends in a name
 * character matches only where the name ends too: https://staging.example.com is not a prefix of
 * https://staging.example.com.evil.net, https://staging.example.community or …:8443.
 */
export interface Form {
  from: string;
  to: string;
  /** `to` with lowercase hex in its escapes (%2f, %252f, \u002f), for a match spelled that way. */
  toLowerHex: string;
  ci: number;
  lowerHead: string;
  bounded: boolean;
  /** Begins with the `//` of a scheme-less URL: must not be the rest of another scheme's URL. */
  schemeless: boolean;
  /**
   * A piece of lowerHead (the host name, where written as is) and where it sits in it: a value is
   * scanned once per distinct anchor, not once per form, and most forms share the host's.
   */
  anchor: string;
  anchorAt: number;
}

const asciiLower = (s: string): string => (/[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s);
// A percent escape, a percent escape of a percent escape (%252F), a JSON \u escape or a hex HTML
// entity: the hex in each names the same byte whatever its case, so matching and output must not
// depend on it.
const ESCAPE = /%(?:25)?([0-9A-Fa-f]{2})|\\u([0-9A-Fa-f]{4})|&#[xX]([0-9A-Fa-f]{2});/g;
const lowerHex = (s: string): string => s.replace(ESCAPE, (m) => m.toLowerCase());
/** The match spelled its escapes in lowercase: the replacement follows it. */
const usesLowerHex = (s: string): boolean => [...s.matchAll(ESCAPE)].some((m) => /[a-f]/.test(m[1] ?? m[2] ?? m[3]!));

/**
 * How stored text spells a URL. JSON has two escapes for a slash: PHP's json_encode writes \/,
 * encoders that keep </script> out of inline JSON write \u002F (serialize-javascript and its
 * kind, some plugins). HTML escapers that also escape the slash (mustache.js, Underscore, OWASP's)
 * write &#x2F;, found in embed snippets pasted into posts; some write &#47;. A URL passed as a
 * query parameter of a URL that is itself a parameter (redirects, tracking) is encoded twice.
 */
const SPELLINGS: Array<(s: string) => string> = [
  (s) => s,
  (s) => s.replace(/\//g, '\\/'),
  (s) => s.replace(/\//g, '\\u002F'),
  (s) => s.replace(/\//g, '&#x2F;'),
  (s) => s.replace(/\//g, '&#47;'),
  encodeURIComponent,
  (s) => encodeURIComponent(encodeURIComponent(s)),
];

/** scheme://host[:port] (or //host[:port]) of an origin as written, or the whole text. */
function headOf(origin: string): string {
  return /^(?:[a-z][a-z0-9+.-]*:)?\/\/[^/?#]*/i.exec(origin)?.[0] ?? origin;
}

/** The same origin with its host spelled as the URL parser spells it (punycode for IDN), when that differs. */
function asciiSpelling(origin: string): string | undefined {
  try {
    const u = new URL(origin);
    const head = headOf(origin);
    const host = head.slice(head.indexOf('//') + 2);
    const ascii = u.port === '' ? u.hostname : `${u.hostname}:${u.port}`;
    return asciiLower(host) === ascii ? undefined : head.slice(0, head.indexOf('//') + 2) + ascii + origin.slice(head.length);
  } catch {
    return undefined;
  }
}

const WEB = /^(https?:)(\/\/[^]*)$/i;

/**
 * The origin with the other web scheme and with none, each mapped to `to` in the scheme it was
 * found with: production's server sends http on to https, and a scheme-less URL takes the page's,
 * so we never invent one. Only where both sides are web origins.
 */
function schemeVariants(from: string, to: string): Array<[string, string]> {
  const f = WEB.exec(from);
  const t = WEB.exec(to);
  if (f === null || t === null) return [];
  const other = f[1]!.toLowerCase() === 'https:' ? 'http:' : 'https:';
  return [
    [other + f[2]!, other + t[2]!],
    [f[2]!, t[2]!],
  ];
}

/**
 * Jetpack's image proxy (Photon, "Site Accelerator") writes an image's URL as its host and path
 * after one of its own hosts, the scheme dropped: https://i0.wp.com/staging.example.com/a.jpg.
 * Left alone it keeps fetching from staging, so it follows the rule: i0.wp.com/www.example.com/a.jpg
 * (its ?ssl=1 says which scheme to fetch with, and is kept). Only web origins without a port, as
 * the proxy takes no other; [from, to, the part matched in any letter case].
 */
const PROXY_HOSTS = ['i0.wp.com', 'i1.wp.com', 'i2.wp.com', 'i3.wp.com'];
function imageProxied(from: string, to: string): Array<[string, string, string]> {
  const f = WEB.exec(from);
  const t = WEB.exec(to);
  if (f === null || t === null || /^\/\/[^/?#]*:/.test(f[2]!) || /^\/\/[^/?#]*:/.test(t[2]!)) return [];
  const fromRest = f[2]!.slice(2);
  const toRest = t[2]!.slice(2);
  return PROXY_HOSTS.map((p) => [`//${p}/${fromRest}`, `//${p}/${toRest}`, `//${p}/${headOf(f[2]!).slice(2)}`]);
}

/** Equal but for the letter case of scheme and host. */
const sameUrl = (a: string, b: string): boolean => asciiLower(headOf(a)) === asciiLower(headOf(b)) && a.slice(headOf(a).length) === b.slice(headOf(b).length);

/** A rule's origin as written and as the URL parser spells it. */
const originsOf = (r: Replacement): string[] => [r.from, asciiSpelling(r.from)].filter((x): x is string => x !== undefined);

/**
 * One spelling of from → to; `bounded` belongs to the rule: whether its origin must end a name.
 * `proxyHead`, for an image proxy's form: the part matched in any letter case (scheme, host and
 * port by default); its `//` is the proxy URL's own, whatever scheme comes before it.
 */
function formOf(spell: (s: string) => string, from: string, to: string, bounded: boolean, proxyHead?: string): Form {
  const plainHead = proxyHead ?? headOf(from);
  const head = toBytes(spell(plainHead));
  const t = toBytes(spell(to));
  const lowerHead = asciiLower(head);
  const host = asciiLower(toBytes(plainHead.slice(plainHead.lastIndexOf('/') + 1).replace(/:[0-9]*$/, '')));
  const anchor = host !== '' && lowerHead.includes(host) ? host : lowerHead;
  return { from: toBytes(spell(from)), to: t, toLowerHex: lowerHex(t), ci: head.length, lowerHead, bounded, schemeless: proxyHead === undefined && from.startsWith('//'), anchor, anchorAt: lowerHead.indexOf(anchor) };
}

/**
 * Every SPELLINGS entry of each replacement (and of the punycode spelling of an IDN host), with
 * the other web scheme and scheme-less unless the rule says `schemes: exact`, longest first.
 */
export function forms(reps: Replacement[]): Form[] {
  const out: Form[] = [];
  const add = (r: Replacement, from: string, to: string, proxyHead?: string): void => {
    // Whether a match must end a name is the rule's own property (…com needs it, …com/ does not), not its spelling's (%2F ends in a letter).
    const bounded = /[A-Za-z0-9_~.-]$/.test(r.from);
    // A spelling that changes nothing repeats the raw one and is dropped below.
    for (const spell of SPELLINGS) if (from !== '') out.push(formOf(spell, from, to, bounded, proxyHead));
  };
  for (const r of reps) for (const from of originsOf(r)) add(r, from, r.to);
  // After every rule's own origin, so a rule naming http://x wins over another's derived http://x.
  const own = [...out];
  for (const r of reps.filter((x) => x.schemes !== 'exact')) {
    for (const [from, to0] of originsOf(r).flatMap((o) => schemeVariants(o, r.to))) {
      // A rule for the origin we would write (http://www → https://www) is followed, or the final check would find what we wrote.
      const to = fromBytes(replaceText(toBytes(to0), own, new Counter()));
      // From http://x → https://x, https://x → https://x would change nothing but be found "left" in every value.
      if (!sameUrl(from, to)) add(r, from, to);
    }
    for (const [from, to, head] of originsOf(r).flatMap((o) => imageProxied(o, r.to))) add(r, from, to, head);
  }
  const seen = new Set<string>();
  return out.filter((x) => !seen.has(asciiLower(x.from)) && seen.add(asciiLower(x.from))).sort((a, b) => b.from.length - a.from.length);
}

/**
 * Whether a `//host` at `at` does not start a scheme-less URL: after a colon it is the rest of a
 * URL with a scheme (http(s) ones are matched from their scheme on; another's, ftp:// or wss://,
 * is not the web origin the rule names), after a slash (file:///x, a path's //x) what follows is
 * not a host. Either in any spelling; a colon written as an HTML entity is not looked for, so
 * `https&#58;//host` is rewritten as a scheme-less origin, the `https&#58;` before it kept.
 */
function continuesUrl(s: string, at: number): boolean {
  return /(?:[:/]|%(?:25)?(?:3a|2f)|\\u00(?:3a|2f)|&#(?:x2f|47);)$/i.test(s.slice(Math.max(0, at - 6), at));
}

/** Where a name ends: the byte after a match cannot continue a host, a port or a path segment. */
function endsName(s: string, e: number): boolean {
  if (e >= s.length) return true;
  const ch = s.charCodeAt(e);
  const next = e + 1 < s.length ? s[e + 1]! : '';
  if (/[A-Za-z0-9_~]/.test(s[e]!)) return false;
  if ((ch === 0x2e || ch === 0x2d) && /[A-Za-z0-9]/.test(next)) return false; // . or -: a longer host
  if (ch === 0x3a && /[0-9]/.test(next)) return false; // :port the rule does not name
  if (ch === 0x25 && /^%(?:25)?3a[0-9]/i.test(s.slice(e, e + 6))) return false; // the same, URL-encoded once or twice
  if (ch === 0x26 && /^&#(?:x3a|58);[0-9]/i.test(s.slice(e, e + 7))) return false; // or as an HTML entity
  return true;
}

/**
 * Finds the forms' matches in one value, left to right, each form's next match kept until passed.
 * `find` is called with a `from` that never decreases.
 */
class Matcher {
  private readonly lower: string;
  private readonly next: number[];
  /** Per form, the index of the first of its anchor's positions not yet looked at. */
  private readonly seen: number[];
  private readonly anchors = new Map<string, number[]>();

  constructor(
    private readonly s: string,
    private readonly fs: Form[],
  ) {
    this.lower = asciiLower(s);
    this.next = fs.map(() => -2);
    this.seen = fs.map(() => 0);
  }

  private positions(anchor: string): number[] {
    let pos = this.anchors.get(anchor);
    if (pos === undefined) {
      pos = [];
      for (let p = this.lower.indexOf(anchor); p >= 0; p = this.lower.indexOf(anchor, p + 1)) pos.push(p);
      this.anchors.set(anchor, pos);
    }
    return pos;
  }

  private findForm(i: number, from: number): number {
    const f = this.fs[i]!;
    const tail = f.from.slice(f.ci);
    const pos = this.positions(f.anchor);
    for (let k = this.seen[i]!; k < pos.length; k++) {
      const at = pos[k]! - f.anchorAt;
      if (at < from || !this.lower.startsWith(f.lowerHead, at)) continue;
      this.seen[i] = k + 1;
      // The rest exactly, but for the case of escapes (%2F and %2f, \u002F and \u002f are the same byte).
      if (tail !== '' && !this.s.startsWith(tail, at + f.ci) && lowerHex(this.s.slice(at + f.ci, at + f.ci + tail.length)) !== lowerHex(tail)) continue;
      if (f.bounded && !endsName(this.s, at + f.from.length)) continue;
      if (f.schemeless && continuesUrl(this.s, at)) continue;
      return at;
    }
    this.seen[i] = pos.length;
    return -1;
  }

  /** The leftmost match at or after `from` (the longest where two start together). */
  find(from: number): { at: number; f: Form } | undefined {
    let best: { at: number; f: Form } | undefined;
    for (let i = 0; i < this.fs.length; i++) {
      let at = this.next[i]!;
      if (at === -1) continue;
      if (at < from) at = this.next[i] = this.findForm(i, from);
      if (at < 0) continue;
      const f = this.fs[i]!;
      if (best === undefined || at < best.at || (at === best.at && f.from.length > best.f.from.length)) best = { at, f };
    }
    return best;
  }
}

class Counter {
  occurrences = 0;
  serialized = false;
  broken = false;
  opaque = false;
  escaped = false;
}

/** One pass over the text for every rule at once: the output of one rule is never fed to another. */
function replaceText(s: string, fs: Form[], c: Counter): string {
  const m = new Matcher(s, fs);
  let out = '';
  let last = 0;
  for (let hit = m.find(0); hit !== undefined; hit = m.find(last)) {
    const matched = s.slice(hit.at, hit.at + hit.f.from.length);
    out += s.slice(last, hit.at) + (usesLowerHex(matched) ? hit.f.toLowerHex : hit.f.to);
    last = hit.at + hit.f.from.length;
    c.occurrences++;
  }
  return last === 0 ? s : out + s.slice(last);
}

/**
 * WPBakery's Raw HTML and Raw JS elements keep their code base64-encoded in the post, URL-encoded
 * inside that (rawurldecode(base64_decode(…)) gives it back): [vc_raw_html]JTNDYSUyMGhyZWYl…[/vc_raw_html].
 * No search for the host name sees an origin in there.
 */
const RAW_BLOCK = /(\[vc_raw_(?:html|js)\b[^\]]*\])([A-Za-z0-9+/]+={0,2})(?=\[\/vc_raw_(?:html|js)\])/g;
/** What the products' searches for candidate rows look for besides the host names. */
export const RAW_BLOCK_MARK = '[vc_raw_';

/** The payload base64-decoded, if it is base64 as written (encoding it again gives it back). */
function rawPayload(b64: string): string | undefined {
  const bytes = Buffer.from(b64, 'base64');
  return bytes.toString('base64') === b64 ? bytes.toString('latin1') : undefined;
}

/** Each Raw HTML/JS element's decoded payload, for the checks. */
function rawPayloads(s: string): string[] {
  if (!s.includes(RAW_BLOCK_MARK)) return [];
  return [...s.matchAll(RAW_BLOCK)].flatMap((m) => rawPayload(m[2]!) ?? []);
}

/** replaceText, and inside each Raw HTML/JS element's payload too, encoded back as it was. */
function replaceTextAndRaw(s: string, fs: Form[], c: Counter): string {
  const out = replaceText(s, fs, c);
  if (!out.includes(RAW_BLOCK_MARK)) return out;
  return out.replace(RAW_BLOCK, (m, open: string, b64: string) => {
    const payload = rawPayload(b64);
    if (payload === undefined) return m;
    const next = replaceText(payload, fs, c);
    return next === payload ? m : open + Buffer.from(next, 'latin1').toString('base64');
  });
}

function rewriteValue(v: PhpValue, fs: Form[], c: Counter): PhpValue {
  switch (v.t) {
    case 's':
      return { t: 's', v: rewriteString(v.v, fs, c) };
    case 'a':
      return { t: 'a', items: v.items.map(([k, x]) => [k, rewriteValue(x, fs, c)]) };
    case 'O':
      return { t: 'O', cls: v.cls, items: v.items.map(([k, x]) => [k, rewriteValue(x, fs, c)]) };
    case 'C':
      // A Serializable payload is in its class's own format: left as it is, and listed if it holds an origin.
      if (containsOrigin(v.data, fs)) c.opaque = true;
      return v;
    default:
      // Numbers, refs and enums carry no URL.
      return v;
  }
}

const EMBEDDED = /[aO]:\d+:[{"]|[sC]:\d+:"/g;
/**
 * A serialized string inside escaped text (JSON's \", or \u0022 as block editor attributes write a
 * quote): its declared length counts bytes of the unescaped text.
 */
const ESCAPED_SERIALIZED = /[sS]:\d+:\\+(?:"|u0022)/;

/** Text that may contain serialized fragments: each fragment that parses is rewritten as data. */
function rewriteMixed(s: string, fs: Form[], c: Counter): string {
  if (!containsOrigin(s, fs)) return s;
  if (ESCAPED_SERIALIZED.test(s)) {
    c.escaped = true;
    return s;
  }
  let out = '';
  let last = 0;
  EMBEDDED.lastIndex = 0;
  for (let m = EMBEDDED.exec(s); m !== null; m = EMBEDDED.exec(s)) {
    try {
      const { value, end } = parseAt(s, m.index);
      if (value.t === 's' && !containsOrigin(value.v, fs)) continue;
      out += replaceTextAndRaw(s.slice(last, m.index), fs, c);
      if (value.t === 'C') {
        // Carried over byte for byte: the a:/s: pieces inside its payload are not ours to resize.
        rewriteValue(value, fs, c);
        out += s.slice(m.index, end);
        last = end;
        EMBEDDED.lastIndex = end;
        continue;
      }
      c.serialized = true;
      out += serialize(rewriteValue(value, fs, c));
      last = end;
      EMBEDDED.lastIndex = end;
    } catch (err) {
      if (!(err instanceof PhpParseError)) throw err;
    }
  }
  return out + replaceTextAndRaw(s.slice(last), fs, c);
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
  if (c.escaped) return { value, changed: false, occurrences: 0, serialized: false, broken: false, opaque: false, escaped: true, hidden: false };
  return { value: out, changed: out !== value, occurrences: out === value ? 0 : c.occurrences, serialized: c.serialized, broken: c.broken, opaque: c.opaque, escaped: false, hidden: hiddenOrigin(out, fs) };
}

// Named entities HTML5's htmlentities writes for a URL's punctuation (https&colon;&sol;&sol;…),
// and &amp; (an entity escaped once more). Names are case-sensitive (&Colon; is another character).
const NAMED: Record<string, string> = { amp: '&', AMP: '&', colon: ':', sol: '/', period: '.', lowbar: '_', hyphen: '-', dash: '-', quest: '?', num: '#', percnt: '%', bsol: '\\' };
const ESCAPED_CHAR = /&#(?:[xX]([0-9A-Fa-f]{1,6})|([0-9]{1,7}));|&([A-Za-z]+);|\\u([0-9A-Fa-f]{4})|\\([\\/])|%([0-9A-Fa-f]{2})/g;

function codePointBytes(m: string, cp: number): string {
  return cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? m : toBytes(String.fromCodePoint(cp));
}

/**
 * The value with every escape of a character undone, again and again (JSON inside JSON, a URL
 * encoded three times, &amp;#x2F;): HTML entities, JSON's \/, \\ and \uXXXX, percent escapes.
 * Not a faithful decoding of any one format, only a way to see an origin whatever its spelling.
 */
function unescapeAll(s: string): string {
  for (let pass = 0; pass < 6; pass++) {
    const next = s.replace(ESCAPED_CHAR, (m, hex?: string, dec?: string, name?: string, u?: string, json?: string, pct?: string) => {
      if (pct !== undefined) return String.fromCharCode(parseInt(pct, 16));
      if (json !== undefined) return json;
      if (name !== undefined) return NAMED[name] ?? m;
      if (dec !== undefined) return codePointBytes(m, parseInt(dec, 10));
      return codePointBytes(m, parseInt((hex ?? u)!, 16));
    });
    if (next === s) break;
    s = next;
  }
  return s;
}

/** Where the forms match, in order: [start, end) pairs. */
function matches(s: string, fs: Form[]): Array<[number, number]> {
  const m = new Matcher(s, fs);
  const out: Array<[number, number]> = [];
  for (let hit = m.find(0); hit !== undefined; hit = m.find(hit.at + hit.f.from.length)) out.push([hit.at, hit.at + hit.f.from.length]);
  return out;
}

/**
 * The longest piece of each form's anchor that no escape can split (letters, digits, . and -):
 * the host name, or the ASCII part of an IDN host its \u or % escapes leave written as is.
 */
function hostPieces(fs: Form[]): string[] {
  return [...new Set(fs.map((f) => (f.anchor.match(/[a-z0-9.-]+/g) ?? ['']).reduce((a, b) => (b.length > a.length ? b : a))))].filter((x) => x !== '');
}

/** Whether some occurrence of a host piece lies outside every match: only then can an origin be hidden. */
function unexplainedHost(s: string, fs: Form[], found: Array<[number, number]>): boolean {
  const lower = asciiLower(s);
  return hostPieces(fs).some((piece) => {
    let k = 0;
    for (let p = lower.indexOf(piece); p >= 0; p = lower.indexOf(piece, p + 1)) {
      while (k < found.length && found[k]![1] <= p) k++;
      if (k === found.length || found[k]![0] > p) return true;
    }
    return false;
  });
}

/**
 * An origin in a spelling no form knows (another HTML entity, a \u-escaped colon or host letter,
 * two spellings mixed in one URL, a URL encoded three times): undoing every escape shows more
 * origins than the forms find. Such a value can't be rewritten from here, but must not pass the
 * final check unnoticed.
 */
export function hiddenOrigin(value: string, fs: Form[]): boolean {
  return [value, ...rawPayloads(value)].some((v) => {
    const found = matches(v, fs);
    // Every host name inside an origin the forms know: nothing for a decoding to add (the common case, and the cheap one).
    if (!unexplainedHost(v, fs, found)) return false;
    const plain = unescapeAll(v);
    return plain !== v && matches(plain, fs).length > found.length;
  });
}

/** Convenience for UTF-8 text (tests, small values). */
export function rewriteText(value: string, reps: Replacement[]): RewriteOutcome {
  const r = rewriteBytes(toBytes(value), forms(reps));
  return { ...r, value: fromBytes(r.value) };
}

/** Any spelling of any origin left in the value. */
export function containsOrigin(value: string, fs: Form[]): boolean {
  return [value, ...rawPayloads(value)].some((v) => new Matcher(v, fs).find(0) !== undefined);
}
