// The php.ini PHP-FPM loads, found from where its pool files are. A setting a pool leaves unset
// is php.ini's there — FPM's php.ini, which on Debian (/etc/php/X.Y/fpm/php.ini, next to
// cli/php.ini with memory_limit = -1) and in the Docker images is not the CLI's.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { debianFpmRelease, sameRelease } from '../../shared/php-release.js';
import type { PhpFacts } from '../../shared/proto-gen/switchyard/v1/PhpFacts.js';
import type { PhpFpmFacts } from '../../shared/proto-gen/switchyard/v1/PhpFpmFacts.js';
import type { Collected } from './collected.js';
import { expandGlob } from './glob.js';
import { PHP_PARITY_INI } from './php.js';
import { parsePhpIniText } from './php-ini-text.js';
import { readSmallFile } from './small-file.js';
import { environmentAssignments, loadUnit, values } from './timers.js';

export interface FpmIniLocation {
  /** php.ini, whether or not it is there. */
  path: string;
  /** The scan directories, `:`-separated as PHP_INI_SCAN_DIR writes them (one, unless the service's environment says more; empty: none). */
  scanDir: string;
  /** X.Y of a Debian install (/etc/php/8.2/fpm), whose built-in defaults are that version's. */
  version?: string;
  /** The install's directory (/etc/php/8.2/fpm, /etc, /usr/local/etc): what its systemd unit is named after. */
  base?: string;
}

/** Where systemd looks for units, in its order of precedence: the admin's, runtime, the packages'. */
export const DEFAULT_UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the FPM install that `file` (a php-fpm.conf or pool file) belongs to keeps php.ini:
 * Debian `D/php/X.Y/fpm/…` → `D/php/X.Y/fpm/php.ini` + `conf.d`; `D/php-fpm.conf` or
 * `D/php-fpm.d/…` → `D/php.ini` + `D/php.d` (RHEL, Remi's /etc/opt/remi/phpNN) or, where those are
 * not, `D/php/php.ini` + `D/php/conf.d` (the Docker images' /usr/local/etc). Matched anywhere in
 * the path, so a host's tree mounted elsewhere is read as its own. Undefined when neither php.ini
 * nor the scan directory is there: another layout, told by nothing in the path.
 */
export async function fpmIniLocation(file: string): Promise<FpmIniLocation | undefined> {
  const debian = /^(.*\/php\/(\d+\.\d+)\/fpm)\//.exec(file);
  const candidates: FpmIniLocation[] = [];
  if (debian) candidates.push({ path: `${debian[1]}/php.ini`, scanDir: `${debian[1]}/conf.d`, version: debian[2], base: debian[1] });
  const rhel = /^(.*)\/php-fpm(?:\.conf$|\.d\/)/.exec(file);
  if (rhel) {
    const d = rhel[1] === '' ? '/' : rhel[1]!;
    candidates.push({ path: join(d, 'php.ini'), scanDir: join(d, 'php.d'), base: d }, { path: join(d, 'php/php.ini'), scanDir: join(d, 'php/conf.d'), base: d });
  }
  for (const c of candidates) if ((await exists(c.path)) || (await exists(c.scanDir))) return c;
  return undefined;
}

type FpmIniFacts = Pick<PhpFpmFacts, 'ini_path' | 'ini_scan_dir' | 'ini_files' | 'ini' | 'ini_error' | 'ini_env'>;

/** The systemd unit that starts the install at `loc`: Debian's phpX.Y-fpm, Remi's phpNN-php-fpm, else php-fpm (RHEL). */
function fpmUnitName(loc: FpmIniLocation): string {
  if (loc.version !== undefined) return `php${loc.version}-fpm.service`;
  const remi = /\/opt\/remi\/(php\d+)$/.exec(loc.base ?? '');
  return remi === null ? 'php-fpm.service' : `${remi[1]}-php-fpm.service`;
}

const INI_ENV = /^\s*(?:export\s+)?(PHPRC|PHP_INI_SCAN_DIR)\s*=\s*(.*?)\s*$/;

/** An env file line's value without its quotes (the two names read here hold paths: no escapes needed). */
const unquote = (v: string) => (/^(["']).*\1$/.test(v) ? v.slice(1, -1) : v);

/**
 * PHPRC and PHP_INI_SCAN_DIR as the install's systemd unit starts FPM with them: Environment=,
 * then each EnvironmentFile= over it. Only these two are read from an environment file (paths,
 * no secret); nothing else in it is kept. Undefined when no unit is found (a container, no systemd).
 * A pool's env[PHPRC] is no such setting: FPM's master loads php.ini before any worker gets its env.
 */
async function serviceIniEnv(loc: FpmIniLocation, unitDirs: string[]): Promise<{ env: Map<string, string>; unit: string } | { error: string } | undefined> {
  const unit = fpmUnitName(loc);
  const loaded = await loadUnit(unitDirs, unit);
  if (loaded === undefined) return undefined;
  if ('error' in loaded) return { error: `${loaded.file}: ${loaded.error} — PHPRC and PHP_INI_SCAN_DIR there decide which php.ini FPM loads` };
  const env = new Map([...environmentAssignments(values(loaded.unit, 'Service', 'Environment'))].filter(([k]) => k === 'PHPRC' || k === 'PHP_INI_SCAN_DIR'));
  for (const written of values(loaded.unit, 'Service', 'EnvironmentFile')) {
    const file = written.replace(/^-/, '');
    try {
      const read = await readSmallFile(file);
      if (!('text' in read)) return { error: `${file} (EnvironmentFile= of ${unit}): ${read.refused}` };
      for (const line of read.text.replace(/\r\n?/g, '\n').split('\n')) {
        const m = INI_ENV.exec(line);
        if (m !== null) env.set(m[1]!, unquote(m[2]!));
      }
    } catch (err) {
      const c = (err as NodeJS.ErrnoException).code ?? 'error';
      // A required file that is not there stops the service from starting; either way it sets nothing.
      if (c === 'ENOENT') continue;
      return { error: `cannot read ${file} (EnvironmentFile= of ${unit}): ${c}` };
    }
  }
  return { env, unit };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The php.ini and scan directories FPM loads with that environment, as PHP's php_init_config
 * finds them: PHPRC a file is that file; a directory, its php-fpm-fcgi.ini or php.ini when there
 * (else the install's own); PHP_INI_SCAN_DIR replaces the scan directory, an empty entry in it
 * standing for the install's own and an empty value for none.
 */
async function withIniEnv(loc: FpmIniLocation, env: Map<string, string>): Promise<FpmIniLocation> {
  let path = loc.path;
  const rc = env.get('PHPRC');
  if (rc !== undefined && rc !== '') {
    if (await isFile(rc)) path = rc;
    else {
      for (const name of ['php-fpm-fcgi.ini', 'php.ini']) {
        if (await isFile(join(rc, name))) {
          path = join(rc, name);
          break;
        }
      }
    }
  }
  const scan = env.get('PHP_INI_SCAN_DIR');
  const scanDir = scan === undefined ? loc.scanDir : scan === '' ? '' : scan.split(':').map((d) => (d === '' ? loc.scanDir : d)).join(':');
  return { ...loc, path, scanDir };
}

/** php.ini then the scan directory's *.ini in name order, later files over earlier, as PHP reads them. */
async function readIniFiles(loc: FpmIniLocation): Promise<{ files: string[]; ini: Record<string, string> } | { error: string }> {
  const wanted = new Set<string>(PHP_PARITY_INI);
  const scanned: string[] = [];
  // Each directory's files in name order, the directories in the order given.
  for (const dir of loc.scanDir.split(':').filter((d) => d !== '')) {
    const scan = await expandGlob(join(dir, '*.ini'));
    if (scan.errors.length > 0) return { error: `cannot read ${scan.errors[0]!.path}: ${scan.errors[0]!.code}` };
    scanned.push(...scan.files);
  }
  const files: string[] = [];
  const ini: Record<string, string> = {};
  for (const file of [loc.path, ...scanned]) {
    let text: string;
    try {
      const read = await readSmallFile(file);
      if (!('text' in read)) return { error: `${file}: ${read.refused}` };
      text = read.text;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      // FPM starts without a php.ini (the Docker images ship none); one it cannot read, it does too, but we cannot tell its values.
      if (file === loc.path && code === 'ENOENT') continue;
      return { error: `cannot read ${file}: ${code}` };
    }
    files.push(file);
    for (const [k, v] of parsePhpIniText(text, wanted)) ini[k] = v;
  }
  return { files, ini };
}

/**
 * FPM's php.ini settings for the install the pool files read (`fpmFiles`) belong to. None found:
 * empty, and the CLI's php.ini stands in, as the controller says. Two installs' files read: which
 * one runs the site is not told, so the settings are unknown (ini_error).
 */
export async function collectFpmIni(fpmFiles: string[], unitDirs: string[] = DEFAULT_UNIT_DIRS): Promise<Collected<FpmIniFacts>> {
  const locations = new Map<string, FpmIniLocation>();
  for (const f of fpmFiles) {
    const loc = await fpmIniLocation(f);
    if (loc && !locations.has(loc.path)) locations.set(loc.path, loc);
  }
  if (locations.size === 0) return { facts: {}, notes: [] };
  const [first, ...rest] = [...locations.values()];
  const where = { ini_path: first!.path, ini_scan_dir: first!.scanDir };
  if (rest.length > 0) {
    const error = `pool files of two PHP-FPM installs were read (${[...locations.keys()].join(' and ')}) — set phpFpmPools in the agent config to the pool files of the one serving the site`;
    return { facts: { ...where, ini_error: error }, notes: [`php-fpm php.ini: ${error}`] };
  }
  const svc = await serviceIniEnv(first!, unitDirs);
  if (svc !== undefined && 'error' in svc) return { facts: { ...where, ini_error: svc.error }, notes: [`php-fpm php.ini: ${svc.error}`] };
  const loc = svc === undefined ? first! : await withIniEnv(first!, svc.env);
  const iniEnv = svc === undefined || svc.env.size === 0 ? '' : `${[...svc.env].map(([k, v]) => `${k}=${v}`).join(' ')} (${svc.unit})`;
  const at = { ini_path: loc.path, ini_scan_dir: loc.scanDir, ini_env: iniEnv };
  const read = await readIniFiles(loc);
  if ('error' in read) return { facts: { ...at, ini_error: read.error }, notes: [`php-fpm php.ini: ${read.error}`] };
  return { facts: { ...at, ini_files: read.files, ini: read.ini }, notes: [] };
}

/**
 * The settings FPM's files leave unset, at PHP's built-in default: the CLI's value where the CLI
 * says it is that default (PhpFacts.ini_defaults) and runs the same PHP release line as a Debian
 * install's directory names. A setting whose default is not known that way is left out.
 */
export function fpmIniDefaults(fpm: FpmIniFacts, php: PhpFacts): Record<string, string> {
  if (!fpm.ini_path || fpm.ini_error || !php.present || php.error || php.ini_error) return {};
  const fpmVersion = debianFpmRelease(fpm.ini_path);
  if (fpmVersion !== undefined && !sameRelease(fpmVersion, php.version ?? '')) return {};
  const out: Record<string, string> = {};
  for (const name of php.ini_defaults ?? []) {
    if (!Object.hasOwn(fpm.ini ?? {}, name) && Object.hasOwn(php.ini ?? {}, name)) out[name] = php.ini![name]!;
  }
  return out;
}
