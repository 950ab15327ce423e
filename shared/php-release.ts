// Which PHP release a Debian PHP-FPM install is, from where its php.ini is: /etc/php/8.2/fpm/php.ini
// is 8.2's. PHP's built-in defaults are a release's own, so the CLI tells FPM's only when it runs
// the same release line (8.2.x).

/** `8.2` for a Debian FPM php.ini path; undefined for other layouts, which do not name it. */
export function debianFpmRelease(iniPath: string): string | undefined {
  return /\/php\/(\d+\.\d+)\/fpm\/php\.ini$/.exec(iniPath)?.[1];
}

/** Whether the PHP CLI's version (`8.2.18`) is of release line `release` (`8.2`). */
export function sameRelease(release: string, cliVersion: string): boolean {
  return cliVersion.startsWith(`${release}.`);
}
