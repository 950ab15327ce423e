// Which nginx server block answers a site, decided as nginx decides it, so the agent (which sends
// only the site's blocks) and the controller (which compares them) agree. For each port the origin
// is asked on: the blocks listening on that port at the side's own address (or, with none, at the
// wildcard address of its family) are the candidates, and among them the server_name wins (exact,
// longest leading wildcard, longest trailing wildcard, first regex), else the default server.
import { isIP } from 'node:net';

/** Escapes that mean the same in PCRE and JS for an ASCII host name (`\s` differs only past ASCII). */
const SAME_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S', 'b', 'B', 't', 'n', 'r', 'f']);

/**
 * A server_name regex (PCRE, as nginx compiles it) as JS regex source, or why JS would not read it
 * the same way: possessive quantifiers, atomic groups, inline options, `\A`, `\z`, POSIX classes,
 * backreferences and the like. `(?P<name>…)` is PCRE's spelling of `(?<name>…)`.
 */
export function pcreAsJs(pattern: string): { source: string } | { unknown: string } {
  const unknown = (what: string) => ({ unknown: `${what} is PCRE syntax JS does not read the same way` });
  let out = '';
  let i = 0;
  let inClass = false;
  let classFirst = false;
  const p = (at: number) => pattern[at];
  // After an atom a quantifier may follow; after a quantifier `?` makes it lazy and `+` possessive.
  const quantifierTail = (): { unknown: string } | undefined => {
    if (p(i) === '?') {
      out += '?';
      i++;
    } else if (p(i) === '+') return unknown(`the possessive quantifier in '${pattern.slice(0, i + 1)}'`);
    return undefined;
  };
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = p(i + 1);
      if (n === undefined) return unknown('a trailing backslash');
      if (/[A-Za-z0-9]/.test(n)) {
        if (n === 'x' && /^[0-9A-Fa-f]{2}$/.test(pattern.slice(i + 2, i + 4))) {
          out += pattern.slice(i, i + 4);
          i += 4;
          continue;
        }
        // In a class `\b` is a backspace in both; `\B` is an error in PCRE.
        if (!SAME_ESCAPES.has(n) || (inClass && n === 'B')) return unknown(`\\${n}`);
      }
      // An escaped punctuation character is that character in both.
      out += `\\${n}`;
      i += 2;
      classFirst = false;
      continue;
    }
    if (inClass) {
      // `[:alpha:]` is a POSIX class in PCRE, a set of letters in JS; `[]a]` holds ']' in PCRE, is empty in JS.
      if (c === '[' && /[:.=]/.test(p(i + 1) ?? '')) return unknown(`the POSIX class '${pattern.slice(i, i + 2)}'`);
      if (c === ']' && classFirst) return unknown("']' first in a class");
      if (c === ']') inClass = false;
      classFirst = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      classFirst = true;
      out += c;
      i++;
      if (p(i) === '^') {
        out += '^';
        i++;
      }
      continue;
    }
    if (c === '(') {
      if (p(i + 1) === '*') return unknown(`the verb '${pattern.slice(i, i + 3)}…'`);
      if (p(i + 1) === '?') {
        const rest = pattern.slice(i + 2);
        const plain = /^(?::|=|!|<=|<!)/.exec(rest);
        const named = /^(?:P?<([A-Za-z_][A-Za-z0-9_]*)>|'([A-Za-z_][A-Za-z0-9_]*)')/.exec(rest);
        if (plain) {
          out += `(?${plain[0]}`;
          i += 2 + plain[0].length;
        } else if (named) {
          out += `(?<${named[1] ?? named[2]}>`;
          i += 2 + named[0].length;
        } else return unknown(`the group '(?${rest.slice(0, 2)}…'`);
        continue;
      }
      out += c;
      i++;
      continue;
    }
    if (c === '{') {
      // PCRE reads `{,3}` as a count (PCRE2 10.43 on) or text (before); JS as text.
      const count = /^\{\d+(?:,\d*)?\}/.exec(pattern.slice(i));
      if (count === null) return unknown(`'{' that is not a {n}, {n,} or {n,m} count`);
      out += count[0];
      i += count[0].length;
      const tail = quantifierTail();
      if (tail) return tail;
      continue;
    }
    out += c;
    i++;
    if (c === '*' || c === '+' || c === '?') {
      const tail = quantifierTail();
      if (tail) return tail;
    }
  }
  if (inClass) return unknown('an unclosed class');
  return { source: out };
}

/**
 * Whether nginx would pick a block with this server_name for `host` (exact, wildcards, regex), or
 * why that cannot be told: a regex JS would not read as PCRE does.
 */
export function serverNameMatch(name: string, host: string): boolean | { unknown: string } {
  const h = host.toLowerCase();
  if (name.startsWith('~')) {
    const js = pcreAsJs(name.slice(1));
    if ('unknown' in js) return js;
    // As nginx: caseless only when the pattern holds a capital (the host is lowercased anyway);
    // the pattern is not lowercased, which would turn `\S` into `\s`.
    try {
      return new RegExp(js.source, /[A-Z]/.test(name) ? 'i' : '').test(h);
    } catch (err) {
      return { unknown: `JS cannot compile it: ${(err as Error).message}` };
    }
  }
  const n = name.toLowerCase();
  if (n.startsWith('.')) return h === n.slice(1) || h.endsWith(n);
  if (n.startsWith('*.')) return h.endsWith(n.slice(1)) && h.length > n.length - 1;
  if (n.endsWith('.*')) return h.startsWith(n.slice(0, -1)) && h.length > n.length - 1;
  return n === h;
}

/** Whether nginx would pick a block with this server_name for `host`; a regex JS cannot read as PCRE does is no. */
export function serverNameMatches(name: string, host: string): boolean {
  return serverNameMatch(name, host) === true;
}

/** A block as both sides see it: the generated VirtualHostFacts carries these. */
export interface BlockNames {
  server_names: string[];
  listen: string[];
  file: string;
  line: number;
}

/**
 * One `listen` line: its address (`*` for any IPv4 address, `[::]` for any IPv6 one, an IP as URL
 * parsing writes it, a host name as written, `unix:…`), port (`unix` for a socket) and options.
 */
export interface Listen {
  address: string;
  kind: 'any' | 'ip' | 'name' | 'unix';
  port: string;
  options: string[];
}

/** An IP as URL parsing writes it (`[0:0::1]` and `::1` alike), or undefined for a name or wildcard. */
export function canonicalIp(address: string): string | undefined {
  const bare = address.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(bare);
  if (family === 0) return undefined;
  return new URL(`http://${family === 6 ? `[${bare}]` : bare}/`).hostname;
}

export function sameIp(a: string, b: string): boolean {
  const ca = canonicalIp(a);
  return ca !== undefined && ca === canonicalIp(b);
}

/**
 * `127.0.0.2:443 ssl` → 127.0.0.2 443; `443` and `*:443` → * 443; `127.0.0.2` → port 80;
 * `[::]:443 ipv6only=off`; `www.example.com:443` → a name (nginx resolves it when it starts; it is
 * not looked up here); `unix:/run/x.sock` → port unix.
 */
export function parseListen(listen: string): Listen {
  const [addr = '', ...options] = listen.split(/\s+/).filter((w) => w !== '');
  if (addr.startsWith('unix:')) return { address: addr, kind: 'unix', port: 'unix', options };
  if (/^\d+$/.test(addr)) return { address: '*', kind: 'any', port: addr, options };
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(addr);
  const written = m?.[1] ?? addr;
  const port = m?.[2] ?? '80';
  if (written === '*') return { address: '*', kind: 'any', port, options };
  const ip = canonicalIp(written);
  if (ip === undefined) return { address: written, kind: 'name', port, options };
  if (ip === '0.0.0.0') return { address: '*', kind: 'any', port, options };
  if (ip === '[::]') return { address: '[::]', kind: 'any', port, options };
  return { address: ip, kind: 'ip', port, options };
}

/** The listen lines of a block as nginx reads them: none is `listen 80` (`*:80`). */
export function blockListens(b: Pick<BlockNames, 'listen'>): Listen[] {
  return (b.listen.length === 0 ? ['80'] : b.listen).map(parseListen);
}

/** How a server_name matches: nginx tries exact names, then leading wildcards, trailing ones, regexes. */
type NameHit = { order: 0 | 1 | 2 | 3; length: number };

function nameHit(name: string, host: string): NameHit | false | { unknown: string } {
  const m = serverNameMatch(name, host);
  if (m !== true) return m;
  const n = name.toLowerCase();
  if (n.startsWith('~')) return { order: 3, length: 0 };
  // `.example.com` is `example.com` itself as an exact name and `*.example.com` besides.
  if (n === host.toLowerCase() || (n.startsWith('.') && n.slice(1) === host.toLowerCase())) return { order: 0, length: n.length };
  return { order: n.endsWith('.*') ? 2 : 1, length: n.length };
}

/** The ports an origin is asked on when none are given: https and its port-80 redirect. */
export const DEFAULT_SITE_PORTS: readonly string[] = ['443', '80'];

/** What a side is asked about: its origin host, its address (the plan's `ip`), the ports. */
export interface SiteQuery {
  host: string;
  address?: string;
  ports: readonly string[];
}

/** The block answering the site on one port, or none. */
export interface PortServer {
  port: string;
  /** Index into the blocks given; undefined when nothing listens there for this address. */
  index?: number;
  /** Set when no server_name matched: which default server nginx answers with, and why. */
  chosen?: string;
}

export type SiteMatch = { ports: PortServer[]; relevant: number[] } | { why: string; relevant: number[] };

const where = (b: BlockNames) => `${b.file}:${b.line}`;

/**
 * The block answering `q.host` on each of `q.ports`, as nginx picks it, or why that cannot be told
 * (a server_name regex JS does not read as PCRE does that may be the one nginx picks). `relevant`
 * is every block that decision reads — the answers and each unreadable regex among the candidates —
 * so matching again over those alone gives the same answer: what an agent sends for the site.
 */
export function matchSite(blocks: BlockNames[], q: SiteQuery): SiteMatch {
  const relevant = new Set<number>();
  const ports: PortServer[] = [];
  let why: string | undefined;
  const address = q.address === undefined || q.address === '' ? undefined : q.address;
  const family = address === undefined ? 0 : isIP(address.replace(/^\[(.*)\]$/, '$1'));
  for (const port of q.ports) {
    const sockets = blocks.flatMap((block, index) => blockListens(block).filter((l) => l.port === port).map((listen) => ({ index, listen })));
    // nginx serves an address it listens on by name (a host name is taken as this side's address:
    // it is not looked up) only with the blocks listening there; the wildcard's blocks never.
    const specific = sockets.filter((s) => s.listen.kind === 'name' || (address !== undefined && s.listen.kind === 'ip' && sameIp(s.listen.address, address)));
    // An IPv4 connection reaches `[::]:443` only with ipv6only=off (on is nginx's default).
    const wildcard = sockets.filter(
      (s) =>
        s.listen.kind === 'any' &&
        (family === 0 || (family === 6 ? s.listen.address === '[::]' : s.listen.address === '*' || s.listen.options.includes('ipv6only=off'))),
    );
    const candidates = specific.length > 0 ? specific : wildcard;
    const order = [...new Set(candidates.map((s) => s.index))];
    let best: { index: number; hit: NameHit } | undefined;
    let unread: { index: number; why: string } | undefined;
    for (const index of order) {
      for (const name of blocks[index]!.server_names) {
        const hit = nameHit(name, q.host);
        if (hit === false) continue;
        if (!('order' in hit)) {
          relevant.add(index);
          unread ??= { index, why: `cannot tell whether server_name ${name} matches ${q.host}: ${hit.unknown} (${where(blocks[index]!)})` };
          continue;
        }
        // A regex after an unreadable one is tried only if that one did not match.
        if (hit.order === 3 && unread !== undefined) continue;
        // Exact names (`.example.com` is one for example.com) are one name: nginx keeps the first
        // block that gives it ("conflicting server name" for the rest), so length ranks wildcards only.
        if (best === undefined || hit.order < best.hit.order || (hit.order === best.hit.order && (hit.order === 1 || hit.order === 2) && hit.length > best.hit.length)) best = { index, hit };
      }
    }
    // A regex is taken only before any unreadable one (those after it are skipped above).
    if (best !== undefined) {
      relevant.add(best.index);
      ports.push({ port, index: best.index });
      continue;
    }
    if (unread !== undefined) {
      why ??= unread.why;
      ports.push({ port });
      continue;
    }
    const marked = candidates.find((s) => s.listen.options.includes('default_server') || s.listen.options.includes('default'));
    const pick = marked ?? candidates[0];
    if (pick === undefined) {
      ports.push({ port });
      continue;
    }
    relevant.add(pick.index);
    const on = `${pick.listen.address}:${port}`;
    const how = marked !== undefined ? 'its default_server' : 'the first block listening there (none is default_server)';
    ports.push({ port, index: pick.index, chosen: `no server_name on ${on} matches ${q.host}: nginx answers with ${how}, ${where(blocks[pick.index]!)}` });
  }
  const sorted = [...relevant].sort((a, b) => a - b);
  return why === undefined ? { ports, relevant: sorted } : { why, relevant: sorted };
}
