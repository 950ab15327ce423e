// A WordPress-like database for the demo: options with PHP-serialized values that embed the
// site URL (the reason rewrites must be serialization-safe), posts whose guid must not change,
// and an orders table that keeps taking writes while staging is live.
import type { Connection } from 'mysql2/promise';

function phpString(s: string): string {
  return `s:${Buffer.byteLength(s, 'utf8')}:"${s}";`;
}

function phpArray(entries: Array<[string, string]>): string {
  return `a:${entries.length}:{${entries.map(([k, v]) => `${phpString(k)}${phpString(v)}`).join('')}}`;
}

export interface FixtureSize {
  posts: number;
  orders: number;
}

export async function seedWordPress(conn: Connection, siteurl: string, size: FixtureSize = { posts: 2000, orders: 5000 }): Promise<void> {
  await conn.query(`
    CREATE TABLE wp_options (
      option_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      option_name VARCHAR(191) NOT NULL UNIQUE,
      option_value LONGTEXT NOT NULL,
      autoload VARCHAR(20) NOT NULL DEFAULT 'yes'
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
    CREATE TABLE wp_posts (
      ID BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      post_title TEXT NOT NULL,
      post_content LONGTEXT NOT NULL,
      post_status VARCHAR(20) NOT NULL DEFAULT 'publish',
      guid VARCHAR(255) NOT NULL DEFAULT '',
      post_date DATETIME NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
    CREATE TABLE wp_orders (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      customer VARCHAR(100) NOT NULL,
      total DECIMAL(10,2) NOT NULL,
      meta JSON NULL,
      created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
  `);
  const widget = phpArray([
    ['title', 'Visit our shop — 🛒'],
    ['url', `${siteurl}/shop/`],
    ['logo', `${siteurl}/wp-content/uploads/logo.png`],
  ]);
  // A serialized string holding a serialized value, as some plugins store it.
  const nested = phpString(phpArray([['home', `${siteurl}/`]]));
  const options: Array<[string, string]> = [
    ['siteurl', siteurl],
    ['home', siteurl],
    ['blogname', 'Switchyard Demo Shop'],
    ['blog_public', '1'],
    ['widget_text', `a:1:{i:2;${widget}}`],
    ['plugin_cache', nested],
    ['theme_mods_json', JSON.stringify({ header_image: `${siteurl}/wp-content/uploads/header.jpg` })],
  ];
  await conn.query('INSERT INTO wp_options (option_name, option_value) VALUES ?', [options]);
  const posts: Array<[string, string, string, string]> = [];
  for (let i = 1; i <= size.posts; i++) {
    posts.push([
      `Post ${i} ✓`,
      `<p>Post ${i} links to <a href="${siteurl}/about/">about</a> and shows <img src="${siteurl}/wp-content/uploads/img-${i % 20}.jpg"></p>`,
      `${siteurl}/?p=${i}`,
      new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().slice(0, 19).replace('T', ' '),
    ]);
  }
  for (let i = 0; i < posts.length; i += 1000) {
    await conn.query('INSERT INTO wp_posts (post_title, post_content, guid, post_date) VALUES ?', [posts.slice(i, i + 1000)]);
  }
  await addOrders(conn, size.orders);
}

export async function addOrders(conn: Connection, n: number, tag = 'presync'): Promise<void> {
  const rows: Array<[string, string, string]> = [];
  for (let i = 0; i < n; i++) rows.push([`customer-${tag}-${i}`, ((i * 37) % 500 + 0.99).toFixed(2), JSON.stringify({ tag, items: i % 5 })]);
  for (let i = 0; i < rows.length; i += 1000) {
    await conn.query('INSERT INTO wp_orders (customer, total, meta) VALUES ?', [rows.slice(i, i + 1000)]);
  }
}
