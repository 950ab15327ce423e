// One spelling of a PHP boolean setting for agent and controller: php_flag lines take 1/yes/true,
// php.ini takes On, and ini_get() gives "1" or "" — all of them `on` or `off` here.

export function phpFlag(v: string): string {
  const l = v.trim().toLowerCase();
  if (['1', 'on', 'yes', 'true'].includes(l)) return 'on';
  if (['0', 'off', 'no', 'false', 'none', ''].includes(l)) return 'off';
  return v.trim();
}
