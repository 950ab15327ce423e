// The site's nginx server block on each side, as runtime parity rows: `web.vhost.DIRECTIVE`,
// `web.vhost.location[~ \.php$].DIRECTIVE`, a header or parameter by its name
// (`….fastcgi_param.SCRIPT_FILENAME`). The block is the one whose server_name is that side's
// origin host; staging's host in staging's values reads as production's before comparing, so a
// server_name or redirect that differs only by the host is equal, and production pointing at the
// staging host is a difference.
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
}

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

/** Whether nginx would pick a block with this server_name for `host` (exact, wildcards, regex). */
export function serverNameMatches(name: string, host: string): boolean {
  const n = name.toLowerCase();
  const h = host.toLowerCase();
  if (n.startsWith('~')) {
    try {
      return new RegExp(n.slice(1), 'i').test(h);
    } catch {
      // A PCRE-only construct JS lacks: not claimed as a match.
      return false;
    }
  }
  if (n.startsWith('.')) return h === n.slice(1) || h.endsWith(n);
  if (n.startsWith('*.')) return h.endsWith(n.slice(1)) && h.length > n.length - 1;
  if (n.endsWith('.*')) return h.startsWith(n.slice(0, -1)) && h.length > n.length - 1;
  return n === h;
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

/** The port a listen line takes: `[::]:443 ssl` → 443, `unix:/run/x.sock` → unix, none → 80. */
function listenPort(listen: string): string {
  const addr = listen.split(/\s+/)[0] ?? '';
  if (addr.startsWith('unix:')) return 'unix';
  return /^(\d+)$/.exec(addr)?.[1] ?? /:(\d+)$/.exec(addr)?.[1] ?? '80';
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

/** Rows of one side; `from`/`to` rewrite staging's host into production's (both empty on production). */
function rows(blocks: VirtualHostFacts__Output[], from: string, to: string, side: VhostGap['side'], gaps: VhostGap[]): Map<string, VhostValue> {
  const out = new Map<string, VhostValue>();
  const norm = (s: string) => replaceHost(s, from, to);
  const add = (key: string, shown: string, compared?: string) => {
    const k = norm(key);
    const prev = out.get(k);
    if (prev === undefined) out.set(k, { category: CATEGORY, shown, compared: compared ?? norm(shown) });
    else out.set(k, { ...prev, shown: `${prev.shown}; ${shown}`, compared: `${prev.compared}; ${compared ?? norm(shown)}` });
  };
  for (const { label, block } of labelled(blocks)) {
    add(`${label}.server_name`, block.server_names.join(' '));
    add(`${label}.listen`, block.listen.length === 0 ? '80 (default)' : block.listen.join('; '));
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

/** Why a side has no block for `host`, or undefined when it has some. */
function noBlock(ws: WebServerFacts__Output, host: string, found: VirtualHostFacts__Output[]): string | undefined {
  if (!ws.vhosts_read) return ws.vhosts_error !== '' ? ws.vhosts_error : 'server blocks not reported by this agent — upgrade it';
  if (found.length > 0) return undefined;
  return `no server block has server_name ${host} (${ws.vhosts.length} server block(s) in nginx -T)`;
}

const nginxOf = (f: Facts__Output) => f.web_servers.find((w) => w.kind === 'nginx' && w.version !== '' && w.error === '');

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
  const sFound = s.vhosts.filter((v) => v.server_names.some((n) => serverNameMatches(n, hosts.staging)));
  const pFound = p.vhosts.filter((v) => v.server_names.some((n) => serverNameMatches(n, hosts.production)));
  const sWhy = noBlock(s, hosts.staging, sFound);
  const pWhy = noBlock(p, hosts.production, pFound);
  if (sWhy === undefined && pWhy === undefined) {
    result.staging = rows(sFound, hosts.staging, hosts.production, 'staging', result.gaps);
    result.production = rows(pFound, '', '', 'production', result.gaps);
    return result;
  }
  const where = (found: VirtualHostFacts__Output[], host: string) => `${host}: ${found.map((v) => `${v.file}:${v.line}`).join(', ')}`;
  for (const [side, why, found, host, map] of [
    ['staging', sWhy, sFound, hosts.staging, result.staging],
    ['production', pWhy, pFound, hosts.production, result.production],
  ] as const) {
    if (why === undefined) map.set(VHOST_PREFIX, { category: CATEGORY, shown: where(found, host) });
    else {
      map.set(VHOST_PREFIX, { category: CATEGORY, shown: `unknown: ${why}`, unknown: true });
      result.gaps.push({ side, key: VHOST_PREFIX, what: `nginx server block for ${host}`, error: why });
    }
  }
  return result;
}
