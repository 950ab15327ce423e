// Which PHP-FPM install serves the site when two are installed side by side (php8.2-fpm and
// php8.3-fpm): the one with a pool listening where nginx's fastcgi_pass for the site points.
import type { FastcgiPass } from './nginx-vhosts.js';

/** A socket as FPM's `listen` and nginx's `fastcgi_pass` write it; `host` empty: every address. */
export type Socket = { unix: string } | { host: string; port: string };

// /var/run is a link to /run on every systemd distribution: one socket, two spellings.
const unixPath = (p: string) => p.replace(/^\/var\/run\//, '/run/');

/** FPM's listen: a path, `PORT` (every address), `ADDR:PORT`, `[V6]:PORT`. */
export function fpmListenSocket(listen: string): Socket | undefined {
  const l = listen.trim();
  if (l.startsWith('/')) return { unix: unixPath(l) };
  if (/^\d+$/.test(l)) return { host: '', port: l };
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(l);
  if (m === null) return undefined;
  const host = (m[1] ?? m[2]!).toLowerCase();
  return { host: host === '::' || host === '0.0.0.0' || host === '*' ? '' : host, port: m[3]! };
}

/** nginx's fastcgi_pass: `unix:PATH`, `HOST:PORT`, `[V6]:PORT`. */
export function nginxPassSocket(pass: string): Socket | undefined {
  if (pass.startsWith('unix:')) return { unix: unixPath(pass.slice('unix:'.length)) };
  const m = /^(?:\[([^\]]*)\]|([^:]+)):(\d+)$/.exec(pass.trim());
  return m === null ? undefined : { host: (m[1] ?? m[2]!).toLowerCase(), port: m[3]! };
}

const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|::1|localhost)$/;

/** nginx reaches FPM's socket: one path, or one port on an address FPM listens on (every address counting for this host's own). */
export function reaches(pass: Socket, listen: Socket): boolean {
  if ('unix' in pass || 'unix' in listen) return 'unix' in pass && 'unix' in listen && pass.unix === listen.unix;
  if (pass.port !== listen.port) return false;
  if (listen.host === pass.host) return true;
  // Another host's name or address on the same port may be another machine's FPM: not told.
  return LOOPBACK.test(pass.host) && (listen.host === '' || LOOPBACK.test(listen.host));
}

export interface PoolListen {
  install: string;
  pool: string;
  listen: string;
  file: string;
}

/**
 * The install whose pools nginx passes the site's PHP to, with how that was told; or why it
 * cannot be told (no site named, a variable in fastcgi_pass, no pool or pools of two installs there).
 */
export function servingInstall(installs: string[], listens: PoolListen[], fastcgi: FastcgiPass | undefined): { install: string; how: string } | { why: string } {
  const these = `PHP-FPM installs ${installs.join(' and ')}`;
  if (fastcgi === undefined) return { why: `${these}, and where nginx passes the site's PHP is not known` };
  if ('why' in fastcgi) return { why: `${these}, and where nginx passes the site's PHP is not known: ${fastcgi.why}` };
  if (fastcgi.targets.length === 0) return { why: `${these}, and nginx's server blocks for ${fastcgi.site} have no fastcgi_pass` };
  const hits: PoolListen[] = [];
  for (const target of fastcgi.targets) {
    const pass = nginxPassSocket(target);
    if (pass === undefined) continue;
    for (const l of listens) {
      const sock = fpmListenSocket(l.listen);
      if (sock !== undefined && reaches(pass, sock)) hits.push(l);
    }
  }
  const found = [...new Set(hits.map((h) => h.install))];
  const passes = `nginx passes ${fastcgi.site}'s PHP to ${fastcgi.targets.join(', ')}`;
  if (found.length === 0) return { why: `${these}, and ${passes}, where none of their pools listens` };
  if (found.length > 1) return { why: `${these}, and ${passes}, where pools of ${found.join(' and ')} listen` };
  const pools = hits.map((h) => `${h.pool} (listen = ${h.listen}, ${h.file})`);
  return { install: found[0]!, how: `${passes}: pool ${[...new Set(pools)].join(', ')}` };
}
