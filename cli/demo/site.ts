// A tiny stand-in for the WordPress site on each side: pages rendered from that side's own
// database (so a rewrite shows in its HTML), the maintenance flag honoured like WordPress
// does, and every request written to an access log in combined format for `monitor`.
import { createServer, type Server } from 'node:http';
import { appendFileSync, existsSync } from 'node:fs';
import { createPool, type Pool } from 'mysql2/promise';

export interface DemoSiteOptions {
  host: string;
  port: number;
  db: { host: string; port: number; user: string; password: string; database: string };
  accessLog: string;
  maintenanceFlag: string;
}

export interface DemoSite {
  url: string;
  /** While set, every page answers 500 (to show the automatic rollback). */
  failing: boolean;
  close(): Promise<void>;
}

const PAGES: Record<string, string> = { '/': 'Home', '/about/': 'About us', '/shop/': 'Shop' };

function clf(date: Date): string {
  const m = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][date.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}/${m}/${date.getUTCFullYear()}:${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

export async function startDemoSite(opts: DemoSiteOptions): Promise<DemoSite> {
  const pool: Pool = createPool({ ...opts.db, connectionLimit: 4 });
  const state = { failing: false };
  const render = async (path: string): Promise<{ status: number; body: string; type: string; headers?: Record<string, string> }> => {
    if (existsSync(opts.maintenanceFlag)) return { status: 503, type: 'text/html', body: '<h1>Briefly unavailable for scheduled maintenance. Check back in a minute.</h1>', headers: { 'retry-after': '60' } };
    if (state.failing) return { status: 500, type: 'text/html', body: '<h1>Error establishing a database connection</h1>' };
    const [rows] = await pool.query("SELECT option_name, option_value FROM wp_options WHERE option_name IN ('siteurl', 'blogname', 'blog_public')");
    const o = Object.fromEntries((rows as Array<{ option_name: string; option_value: string }>).map((r) => [r.option_name, r.option_value]));
    const siteurl = o.siteurl ?? '';
    if (path === '/robots.txt') return { status: 200, type: 'text/plain', body: o.blog_public === '0' ? 'User-agent: *\nDisallow: /\n' : `User-agent: *\nDisallow: /wp-admin/\nSitemap: ${siteurl}/sitemap.xml\n` };
    if (path === '/sitemap.xml') {
      const urls = Object.keys(PAGES).map((p) => `<url><loc>${siteurl}${p}</loc></url>`).join('');
      return { status: 200, type: 'application/xml', body: `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls}</urlset>` };
    }
    if (path === '/wp-admin/') return { status: 200, type: 'text/html', body: '<h1>Dashboard</h1>', headers: { 'cache-control': 'private, no-store' } };
    const title = PAGES[path];
    if (title === undefined) return { status: 404, type: 'text/html', body: '<h1>Not found</h1>' };
    const robots = o.blog_public === '0' ? '<meta name="robots" content="noindex, nofollow">' : '';
    const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} — ${o.blogname ?? ''}</title>
<link rel="canonical" href="${siteurl}${path}">${robots}</head>
<body><h1>${title}</h1><img src="${siteurl}/wp-content/uploads/logo.png" alt="logo"><a href="${siteurl}/shop/">Shop</a></body></html>`;
    return { status: 200, type: 'text/html; charset=utf-8', body };
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    render(path)
      .catch(() => ({ status: 500, type: 'text/plain', body: 'internal error' }) as { status: number; body: string; type: string; headers?: Record<string, string> })
      .then((r) => {
        res.writeHead(r.status, { 'content-type': r.type, ...(r.headers ?? {}) });
        res.end(r.body);
        const line = `${req.socket.remoteAddress ?? '-'} - - [${clf(new Date())}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${r.status} ${Buffer.byteLength(r.body)} "-" "${req.headers['user-agent'] ?? '-'}"\n`;
        appendFileSync(opts.accessLog, line);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    url: `http://${opts.host}:${opts.port}`,
    get failing() {
      return state.failing;
    },
    set failing(v: boolean) {
      state.failing = v;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await pool.end();
    },
  };
}
