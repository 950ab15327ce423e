// The site's nginx server block on each side, as runtime parity rows: `web.vhost.DIRECTIVE`,
// `web.vhost.location[~ \.php$].DIRECTIVE`, a header or parameter by its name
// (`….fastcgi_param.SCRIPT_FILENAME`). The block is the one whose server_name is that side's
// origin host, or, when none is, the default server nginx answers it with on the origin's ports;
// staging's host in staging's values reads as production's before comparing, so a server_name or
// redirect that differs only by the host is equal, and production pointing at the staging host is
// a difference.
import { isIP } from 'node:net';
import type { Facts__Output } from '../../shared/proto-gen/switchyard/v1/Facts.js';
import type { VirtualHostFacts__Output } from '../../shared/proto-gen/switchyard/v1/VirtualHostFacts.js';
import type { WebServerFacts__Output } from '../../shared/proto-gen/switchyard/v1/WebServerFacts.js';

export const VHOST_PREFIX = 'web.vhost';
const CATEGORY = 'web server';
const DIGEST_SHOWN = 12;

export interface VhostHosts {
  /** staging's origin host name (the plan's staging.origin). */
  staging: string;
  production: string;
  /**
   * Each side's origin address (the plan's `ip`): a `listen` on it compares as the side's own
   * address, and it picks the listen whose default server answers when no server_name matches.
   * Without it, an origin host that is an IP serves.
   */
  addresses?: { staging?: string; production?: string };
  /** The ports each origin is asked on (`https://` → 443 and its port-80 redirect); 443 and 80 when not given. */
  ports?: { staging?: string[]; production?: string[] };
}

const DEFAULT_PORTS = ['443', '80'];

export interface VhostValue {
  category: string;
  shown: string;
  compared?: string;
  unknown?: boolean;
  informational?: boolean;
}

export interface VhostGap {
  side: 'staging' | 'production';
  key: string;
  what: string;
  error: string;
}

export interface VhostRows {
  staging: Map<string, VhostValue>;
  production: Map<string, VhostValue>;
  gaps: VhostGap[];
}

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

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` with the host `from` read as `to`: as a whole name (not inside a longer one, not a
 * subdomain of it) and as written in a regex (`staging\.example\.com`).
 */
export function replaceHost(text: string, from: string, to: string): string {
  if (from === '' || from.toLowerCase() === to.toLowerCase()) return text;
  const edge = (body: string) => new RegExp(`(?<![A-Za-z0-9.-])${body}(?![A-Za-z0-9-]|\\.[A-Za-z0-9])`, 'gi');
  return text.replace(edge(escapeRe(escapeRe(from))), escapeRe(to)).replace(edge(escapeRe(from)), to);
}

/** One `listen` line: its address (`*` for any IPv4, `[::]`, an IP, a name, `unix:…`), port and options. */
interface Listen {
  address: string;
  port: string;
  options: string[];
}

/** `127.0.0.2:443 ssl` → 127.0.0.2 443; `443` → * 443; `127.0.0.2` → port 80; `[::]:443`; `unix:/run/x.sock` → port unix. */
function parseListen(listen: string): Listen {
  const [addr = '', ...options] = listen.split(/\s+/).filter((w) => w !== '');
  if (addr.startsWith('unix:')) return { address: addr, port: 'unix', options };
  if (/^\d+$/.test(addr)) return { address: '*', port: addr, options };
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(addr);
  const address = m?.[1] ?? addr;
  return { address: address === '0.0.0.0' ? '*' : address, port: m?.[2] ?? '80', options };
}

/** The port a listen line takes: `[::]:443 ssl` → 443, `unix:/run/x.sock` → unix, none → 80. */
function listenPort(listen: string): string {
  return parseListen(listen).port;
}

/** An IP as URL parsing writes it (`[0:0::1]` and `::1` alike), or undefined for a name or wildcard. */
function canonicalIp(address: string): string | undefined {
  const bare = address.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(bare);
  if (family === 0) return undefined;
  return new URL(`http://${family === 6 ? `[${bare}]` : bare}/`).hostname;
}

function sameIp(a: string, b: string): boolean {
  const ca = canonicalIp(a);
  return ca !== undefined && ca === canonicalIp(b);
}

/**
 * A block's listen lines as compared: an address that is the side's own origin address reads as
 * `(origin address)`, so `127.0.0.2:443 ssl` on staging equals `127.0.0.3:443 ssl` on production
 * when those are the sides' addresses; the port and options are compared as written.
 */
function comparedListen(listen: string[], own: string | undefined): string {
  if (listen.length === 0) return '80 (default)';
  return listen
    .map((l) => {
      const parsed = parseListen(l);
      if (own === undefined || !sameIp(parsed.address, own)) return l;
      return [`(origin address):${parsed.port}`, ...parsed.options].join(' ');
    })
    .join('; ');
}

/** TLS first, then a block that serves pages (a root, a proxy, a location) over a bare redirect. */
function rank(v: VirtualHostFacts__Output): number {
  const tls = v.listen.some((l) => /(^|\s)(ssl|quic)(\s|$)/.test(l) || listenPort(l) === '443');
  const serves = v.directives.some((d) => d.context !== '' || ['root', 'alias', 'proxy_pass', 'fastcgi_pass'].includes(d.name));
  return (tls ? 2 : 0) + (serves ? 1 : 0);
}

/**
 * The site's blocks, keyed: the one serving it (TLS, with content) as `web.vhost`, any other (the
 * port-80 redirect) as `web.vhost[80]`.
 */
function labelled(blocks: VirtualHostFacts__Output[]): Array<{ label: string; block: VirtualHostFacts__Output }> {
  if (blocks.length === 0) return [];
  let best = 0;
  blocks.forEach((b, i) => {
    if (rank(b) > rank(blocks[best]!)) best = i;
  });
  const out = [{ label: VHOST_PREFIX, block: blocks[best]! }];
  const used = new Map<string, number>();
  blocks.forEach((b, i) => {
    if (i === best) return;
    const ports = [...new Set((b.listen.length === 0 ? ['80'] : b.listen).map(listenPort))].sort().join(',');
    const base = `${VHOST_PREFIX}[${ports}]`;
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    out.push({ label: n === 1 ? base : `${base}#${n}`, block: b });
  });
  return out;
}

/** The blocks serving a side's host, and for one nginx chose as a default, which and why. */
interface SiteBlocks {
  blocks: VirtualHostFacts__Output[];
  chosen: Map<VirtualHostFacts__Output, string>;
}

interface SideRows {
  /** staging's host and the host it reads as (production's); both empty on production. */
  from: string;
  to: string;
  /** The side's own origin address, whose listen lines compare as `(origin address)`. */
  address: string | undefined;
  side: VhostGap['side'];
}

/** Rows of one side; `from`/`to` rewrite staging's host into production's (both empty on production). */
function rows(site: SiteBlocks, opts: SideRows, gaps: VhostGap[]): Map<string, VhostValue> {
  const { from, to, side } = opts;
  const out = new Map<string, VhostValue>();
  const norm = (s: string) => replaceHost(s, from, to);
  const add = (key: string, shown: string, compared?: string) => {
    const k = norm(key);
    const prev = out.get(k);
    if (prev === undefined) out.set(k, { category: CATEGORY, shown, compared: compared ?? norm(shown) });
    else out.set(k, { ...prev, shown: `${prev.shown}; ${shown}`, compared: `${prev.compared}; ${compared ?? norm(shown)}` });
  };
  for (const { label, block } of labelled(site.blocks)) {
    const names = block.server_names.join(' ');
    const chosen = site.chosen.get(block);
    // Which block nginx falls back to, and why, is said where the names are; the names are compared.
    add(`${label}.server_name`, chosen === undefined ? names : `${names} (${chosen})`, norm(names));
    add(`${label}.listen`, block.listen.length === 0 ? '80 (default)' : block.listen.join('; '), norm(comparedListen(block.listen, opts.address)));
    for (const d of block.directives) {
      const key = `${label}.${d.context === '' ? '' : `${d.context}.`}${d.name}${d.param === '' ? '' : `.${d.param}`}`;
      if (d.error !== '') {
        const k = norm(key);
        out.set(k, { category: CATEGORY, shown: `unknown: ${d.error}`, unknown: true });
        gaps.push({ side, key: k, what: `nginx ${d.name} of ${block.server_names[0] ?? 'the site'}`, error: d.error });
        continue;
      }
      if (d.secret) add(key, `[${d.value.slice(0, DIGEST_SHOWN)}]`, d.value);
      else add(key, d.value);
    }
  }
  return out;
}

const where = (b: VirtualHostFacts__Output) => `${b.file}:${b.line}`;

/**
 * For each port no block named for `host` listens on, the default server nginx answers it with
 * there: among the blocks listening on that port at the side's own address (or, with none, at the
 * wildcard address of its family), the one marked `default_server`, else the first.
 */
function defaultServers(
  blocks: VirtualHostFacts__Output[],
  named: VirtualHostFacts__Output[],
  unread: Map<VirtualHostFacts__Output, string>,
  host: string,
  address: string | undefined,
  ports: string[],
): SiteBlocks | { why: string } {
  const out: SiteBlocks = { blocks: [], chosen: new Map() };
  for (const port of ports) {
    const sockets = blocks.flatMap((block) =>
      (block.listen.length === 0 ? ['80'] : block.listen).map(parseListen).filter((l) => l.port === port).map((listen) => ({ block, listen })),
    );
    const own = address === undefined ? [] : sockets.filter((s) => sameIp(s.listen.address, address));
    // An IPv4 connection reaches `*:443`, an IPv6 one `[::]:443` (ipv6only is nginx's default).
    const family = address === undefined ? 0 : isIP(address.replace(/^\[(.*)\]$/, '$1'));
    const wildcard = address === undefined ? ['*', '[::]'] : family === 6 ? ['[::]'] : ['*'];
    const candidates = own.length > 0 ? own : sockets.filter((s) => wildcard.includes(s.listen.address));
    if (candidates.some((s) => named.includes(s.block))) continue;
    // A regex that cannot be read may be the name nginx picks on this port: no default then.
    const maybe = candidates.find((s) => unread.has(s.block));
    if (maybe !== undefined) return { why: `${unread.get(maybe.block)!} (${where(maybe.block)})` };
    const marked = candidates.find((s) => s.listen.options.includes('default_server') || s.listen.options.includes('default'));
    const pick = marked ?? candidates[0];
    if (pick === undefined || out.blocks.includes(pick.block)) continue;
    const on = `${pick.listen.address}:${port}`;
    const why = marked !== undefined ? 'its default_server' : 'the first block listening there (none is default_server)';
    out.blocks.push(pick.block);
    out.chosen.set(pick.block, `no server_name on ${on} matches ${host}: nginx answers with ${why}, ${where(pick.block)}`);
  }
  return out;
}

/**
 * The blocks serving `host` on a side, or why they cannot be told: nginx -T unread, a server_name
 * regex JS does not read as PCRE does that may be the one nginx picks, or no block at all.
 */
function siteBlocks(ws: WebServerFacts__Output, host: string, address: string | undefined, ports: string[]): SiteBlocks | { why: string } {
  if (!ws.vhosts_read) return { why: ws.vhosts_error !== '' ? ws.vhosts_error : 'server blocks not reported by this agent — upgrade it' };
  const found: number[] = [];
  let byName = false;
  const unread = new Map<VirtualHostFacts__Output, string>();
  let firstUnread = -1;
  ws.vhosts.forEach((v, index) => {
    let hit = false;
    for (const name of v.server_names) {
      const m = serverNameMatch(name, host);
      if (m === true) {
        hit = true;
        if (!name.startsWith('~')) byName = true;
      } else if (m !== false && !unread.has(v)) {
        unread.set(v, `cannot tell whether server_name ${name} matches ${host}: ${m.unknown}`);
        if (firstUnread < 0) firstUnread = index;
      }
    }
    if (hit) found.push(index);
  });
  // nginx tries exact and wildcard names before any regex, and regexes in order: a regex that
  // cannot be read decides unless a name matched or every regex that matched comes before it.
  if (firstUnread >= 0 && !byName && (found.length === 0 || found.some((i) => i > firstUnread))) {
    const v = ws.vhosts[firstUnread]!;
    return { why: `${unread.get(v)!} (${where(v)})` };
  }
  const named = found.map((i) => ws.vhosts[i]!);
  const fallback = defaultServers(ws.vhosts, named, unread, host, address, ports);
  if ('why' in fallback) return fallback;
  // In nginx's order, so the rows' labels do not depend on which block was chosen how.
  const blocks = ws.vhosts.filter((v) => named.includes(v) || fallback.blocks.includes(v));
  if (blocks.length > 0) return { blocks, chosen: fallback.chosen };
  const at = address === undefined ? '' : ` at ${address}`;
  return { why: `no server block has server_name ${host}, nor listens on port ${ports.join(' or ')}${at} to answer it by default (${ws.vhosts.length} server block(s) in nginx -T)` };
}

const nginxOf = (f: Facts__Output) => f.web_servers.find((w) => w.kind === 'nginx' && w.version !== '' && w.error === '');

/** The side's own address: the plan's `ip`, else its origin host when that is an IP. */
function ownAddress(hosts: VhostHosts, side: VhostGap['side']): string | undefined {
  const given = hosts.addresses?.[side];
  if (given !== undefined && given !== '') return given;
  return isIP(hosts[side].replace(/^\[(.*)\]$/, '$1')) === 0 ? undefined : hosts[side];
}

/**
 * Both sides' rows. Nothing when either side lacks nginx (its version rows say so) or both agents
 * predate server blocks; one `web.vhost` row, unknown on the side without a block, when a side
 * has none for its host — not every directive of the other side as unknown.
 */
export function vhostRows(staging: Facts__Output, production: Facts__Output, hosts: VhostHosts): VhostRows {
  const result: VhostRows = { staging: new Map(), production: new Map(), gaps: [] };
  const s = nginxOf(staging);
  const p = nginxOf(production);
  if (s === undefined || p === undefined) return result;
  if (!s.vhosts_read && !p.vhosts_read && s.vhosts_error === '' && p.vhosts_error === '') return result;
  const sAddress = ownAddress(hosts, 'staging');
  const pAddress = ownAddress(hosts, 'production');
  const sSite = siteBlocks(s, hosts.staging, sAddress, hosts.ports?.staging ?? DEFAULT_PORTS);
  const pSite = siteBlocks(p, hosts.production, pAddress, hosts.ports?.production ?? DEFAULT_PORTS);
  if (!('why' in sSite) && !('why' in pSite)) {
    result.staging = rows(sSite, { from: hosts.staging, to: hosts.production, address: sAddress, side: 'staging' }, result.gaps);
    result.production = rows(pSite, { from: '', to: '', address: pAddress, side: 'production' }, result.gaps);
    return result;
  }
  const found = (site: SiteBlocks, host: string) => `${host}: ${site.blocks.map((b) => (site.chosen.has(b) ? `${where(b)} (${site.chosen.get(b)})` : where(b))).join(', ')}`;
  for (const [side, site, host, map] of [
    ['staging', sSite, hosts.staging, result.staging],
    ['production', pSite, hosts.production, result.production],
  ] as const) {
    if (!('why' in site)) map.set(VHOST_PREFIX, { category: CATEGORY, shown: found(site, host) });
    else {
      map.set(VHOST_PREFIX, { category: CATEGORY, shown: `unknown: ${site.why}`, unknown: true });
      result.gaps.push({ side, key: VHOST_PREFIX, what: `nginx server block for ${host}`, error: site.why });
    }
  }
  return result;
}
