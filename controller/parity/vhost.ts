// The site's nginx server blocks on each side, as runtime parity rows: `web.vhost.DIRECTIVE`,
// `web.vhost.location[~ \.php$].DIRECTIVE`, a header or parameter by its name
// (`….fastcgi_param.SCRIPT_FILENAME`). Blocks are compared port by port: the one nginx answers the
// origin with on its own port is `web.vhost`, the one on each further port it is asked on (the
// port-80 redirect) `web.vhost[80]` — picked as nginx picks it (shared/nginx-site.ts), so a
// same-named block on another port (an :8080 admin) is no part of the site. Staging's host in
// staging's values reads as production's before comparing, so a server_name or redirect that
// differs only by the host is equal, and production pointing at the staging host is a difference.
import { isIP } from 'node:net';
import { blockListens, DEFAULT_SITE_PORTS, matchSite, sameIp, type Listen, type SiteQuery } from '../../shared/nginx-site.js';
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

export { pcreAsJs, serverNameMatch, serverNameMatches } from '../../shared/nginx-site.js';

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


/** A listen as compared: the side's own address as `(origin address)`, options in one order, nginx's defaults dropped. */
function comparedListenLine(l: Listen, own: string | undefined): string {
  const address = own !== undefined && l.kind === 'ip' && sameIp(l.address, own) ? '(origin address)' : l.address;
  const options = l.options
    .map((o) => (o === 'default' ? 'default_server' : o))
    .filter((o) => o !== 'ipv6only=on')
    .sort();
  return [l.kind === 'unix' ? address : `${address}:${l.port}`, ...options].join(' ');
}

/**
 * A block's listen lines as compared: `443`, `*:443` and `0.0.0.0:443` alike; an address that is
 * the side's own origin address reads as `(origin address)`, so `127.0.0.2:443 ssl` on staging
 * equals `127.0.0.3:443 ssl` on production when those are the sides' addresses; a host name as
 * written (nginx resolved it when it started; it is not looked up here).
 */
function comparedListen(listen: string[], own: string | undefined): string {
  return blockListens({ listen })
    .map((l) => comparedListenLine(l, own))
    .sort()
    .join('; ');
}

function shownListen(listen: string[]): string {
  if (listen.length === 0) return '80 (default)';
  const names = blockListens({ listen }).filter((l) => l.kind === 'name');
  const note = names.length === 0 ? '' : ` (${names.map((l) => l.address).join(', ')}: a host name, compared as written and taken as the side's address, not looked up)`;
  return `${listen.join('; ')}${note}`;
}

/** The block answering the site on one port of a side; `index` is its place in nginx -T. */
interface PortBlock {
  port: string;
  block?: VirtualHostFacts__Output;
  index?: number;
  chosen?: string;
}

/** A side's blocks by row label: `web.vhost` for the origin's own port, `web.vhost[PORT]` for each further one. */
type SideSite = Map<string, PortBlock>;

const labelOf = (port: string, i: number) => (i === 0 ? VHOST_PREFIX : `${VHOST_PREFIX}[${port}]`);

interface SideRows {
  /** staging's host and the host it reads as (production's); both empty on production. */
  from: string;
  to: string;
  host: string;
  /** The side's own origin address, whose listen lines compare as `(origin address)`. */
  address: string | undefined;
  side: VhostGap['side'];
}

/** The same block as the origin's own port answers with: its rows are that label's. */
function sameAsMain(site: SideSite, label: string): boolean {
  const entry = site.get(label);
  const main = site.get(VHOST_PREFIX);
  return entry?.block !== undefined && entry.block === main?.block;
}

/** Rows of one side; `other` is the other side's blocks, so a port's rows are made on both sides or neither. */
function rows(site: SideSite, other: SideSite, opts: SideRows, gaps: VhostGap[]): Map<string, VhostValue> {
  const { from, to, side } = opts;
  const out = new Map<string, VhostValue>();
  const norm = (s: string) => replaceHost(s, from, to);
  const add = (key: string, shown: string, compared?: string) => {
    const k = norm(key);
    const prev = out.get(k);
    if (prev === undefined) out.set(k, { category: CATEGORY, shown, compared: compared ?? norm(shown) });
    else out.set(k, { ...prev, shown: `${prev.shown}; ${shown}`, compared: `${prev.compared}; ${compared ?? norm(shown)}` });
  };
  for (const [label, { port, block, chosen }] of site) {
    // A block answering both ports on both sides is compared once, as web.vhost.
    if (label !== VHOST_PREFIX && sameAsMain(site, label) && (!other.has(label) || sameAsMain(other, label))) continue;
    if (block === undefined) {
      // Said where the other side's block names itself, so the port's difference reads in one row.
      if (other.get(label)?.block !== undefined) {
        const at = opts.address === undefined ? '' : ` at ${opts.address}`;
        add(`${label}.server_name`, `none: no server block answers ${opts.host} on port ${port}${at}`, '\0none');
      }
      continue;
    }
    const names = block.server_names.join(' ');
    // Which block nginx falls back to, and why, is said where the names are; the names are compared.
    add(`${label}.server_name`, chosen === undefined ? names : `${names} (${chosen})`, norm(names));
    add(`${label}.listen`, shownListen(block.listen), norm(comparedListen(block.listen, opts.address)));
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

/** How many server blocks nginx -T had: an agent that sent only the site's says so. */
const totalBlocks = (ws: WebServerFacts__Output) => Math.max(ws.vhosts.length, ws.vhosts_total ?? 0);

/**
 * The blocks answering `host` on each port of a side, or why they cannot be told: nginx -T unread,
 * a server_name regex JS does not read as PCRE does that may be the one nginx picks, or no block
 * on any of the ports.
 */
function siteBlocks(ws: WebServerFacts__Output, host: string, address: string | undefined, ports: readonly string[]): SideSite | { why: string } {
  if (!ws.vhosts_read) return { why: ws.vhosts_error !== '' ? ws.vhosts_error : 'server blocks not reported by this agent — upgrade it' };
  const match = matchSite(ws.vhosts, { host, ...(address === undefined ? {} : { address }), ports });
  if ('why' in match) return { why: match.why };
  if (match.ports.every((p) => p.index === undefined)) {
    const at = address === undefined ? '' : ` at ${address}`;
    return { why: `no server block has server_name ${host}, nor listens on port ${ports.join(' or ')}${at} to answer it by default (${totalBlocks(ws)} server block(s) in nginx -T)` };
  }
  return new Map(
    match.ports.map((p, i) => [labelOf(p.port, i), { port: p.port, ...(p.index === undefined ? {} : { block: ws.vhosts[p.index]!, index: p.index }), ...(p.chosen === undefined ? {} : { chosen: p.chosen }) }]),
  );
}

const nginxOf = (f: Facts__Output) => f.web_servers.find((w) => w.kind === 'nginx' && w.version !== '' && w.error === '');

/** The side's own address: the plan's `ip`, else its origin host when that is an IP. */
export function ownAddress(hosts: VhostHosts, side: VhostGap['side']): string | undefined {
  const given = hosts.addresses?.[side];
  if (given !== undefined && given !== '') return given;
  return isIP(hosts[side].replace(/^\[(.*)\]$/, '$1')) === 0 ? undefined : hosts[side];
}

/** The ports a side's origin is asked on. */
export const sidePorts = (hosts: VhostHosts, side: VhostGap['side']): readonly string[] => hosts.ports?.[side] ?? DEFAULT_SITE_PORTS;

/**
 * What a side's agent is asked to send server blocks for (GetFactsRequest.site): the blocks the
 * rows here are made from, matched the same way. None when both sides are one agent, whose
 * answer serves both hosts.
 */
export function siteQuery(hosts: VhostHosts, side: VhostGap['side'], oneAgent: boolean): SiteQuery | undefined {
  if (oneAgent) return undefined;
  const address = ownAddress(hosts, side);
  return { host: hosts[side], ...(address === undefined ? {} : { address }), ports: sidePorts(hosts, side) };
}

/**
 * Both sides' rows. Nothing when either side lacks nginx (its version rows say so) or both agents
 * predate server blocks; one `web.vhost` row, unknown on the side without a block, when a side
 * has none for its host on any of its ports — not every directive of the other side as unknown.
 */
export function vhostRows(staging: Facts__Output, production: Facts__Output, hosts: VhostHosts): VhostRows {
  const result: VhostRows = { staging: new Map(), production: new Map(), gaps: [] };
  const s = nginxOf(staging);
  const p = nginxOf(production);
  if (s === undefined || p === undefined) return result;
  if (!s.vhosts_read && !p.vhosts_read && s.vhosts_error === '' && p.vhosts_error === '') return result;
  const sAddress = ownAddress(hosts, 'staging');
  const pAddress = ownAddress(hosts, 'production');
  const sSite = siteBlocks(s, hosts.staging, sAddress, sidePorts(hosts, 'staging'));
  const pSite = siteBlocks(p, hosts.production, pAddress, sidePorts(hosts, 'production'));
  if (!('why' in sSite) && !('why' in pSite)) {
    result.staging = rows(sSite, pSite, { from: hosts.staging, to: hosts.production, host: hosts.staging, address: sAddress, side: 'staging' }, result.gaps);
    result.production = rows(pSite, sSite, { from: '', to: '', host: hosts.production, address: pAddress, side: 'production' }, result.gaps);
    return result;
  }
  const found = (site: SideSite, host: string) => {
    const seen = new Map<number, PortBlock>();
    for (const e of site.values()) if (e.index !== undefined && !seen.has(e.index)) seen.set(e.index, e);
    const shown = [...seen.entries()].sort(([a], [b]) => a - b).map(([, e]) => (e.chosen === undefined ? where(e.block!) : `${where(e.block!)} (${e.chosen})`));
    return `${host}: ${shown.join(', ')}`;
  };
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
