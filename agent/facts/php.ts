// The PHP the site runs on: version, compiled/loaded modules and the settings that break a site
// when they differ, as the CLI binary reports them.
import type { PhpFacts } from '../../shared/proto-gen/switchyard/v1/PhpFacts.js';
import type { Collected } from './collected.js';
import { errorMessage, findOnPath, runTool, type ToolEnv } from './exec.js';

/**
 * Read by name and nothing else: a site fails after the switch when production has less memory,
 * smaller uploads, a shorter time limit, another time zone, or a function disabled. Settings that
 * can hold credentials (session.save_path with a Redis password, mysqli.default_pw) are not here
 * and never leave the host.
 */
export const PHP_PARITY_INI = [
  'memory_limit',
  'upload_max_filesize',
  'post_max_size',
  'max_file_uploads',
  'max_execution_time',
  'max_input_time',
  'max_input_vars',
  'date.timezone',
  'default_charset',
  'intl.default_locale',
  'disable_functions',
  'disable_classes',
  'allow_url_fopen',
  'file_uploads',
  'short_open_tag',
  'output_buffering',
  'display_errors',
  'error_reporting',
  'zend.assertions',
  'serialize_precision',
  'precision',
  'pcre.backtrack_limit',
  'pcre.jit',
  'realpath_cache_size',
  'session.save_handler',
  'session.gc_maxlifetime',
  'session.cookie_secure',
  'session.cookie_samesite',
  'opcache.enable',
  'opcache.memory_consumption',
  'opcache.max_accelerated_files',
  'opcache.validate_timestamps',
  'opcache.revalidate_freq',
  'opcache.jit',
] as const;

// The CLI forces max_execution_time=0, max_input_time=-1 and output_buffering=0 over php.ini
// (php_cli.c HARDCODED_INI), even in get_cfg_var; the web SAPIs use the files' values, so those
// are read from the loaded ini files (last one wins, as PHP does). Missing settings (no opcache)
// are left out. A setting no loaded file sets (get_cfg_var false) and the CLI does not force has
// PHP's built-in default, which PHP-FPM has too when its own files leave it unset: listed apart.
// One the CLI forces and no file sets is the CLI's forced value, not FPM's: listed apart too.
export const CLI_FORCED = ['max_execution_time', 'max_input_time', 'output_buffering'];
const INI_SCRIPT = `$f=array_filter(array_merge([php_ini_loaded_file()],array_map('trim',explode(',',(string)php_ini_scanned_files()))));$fromFiles=[];foreach($f as $p){$a=@parse_ini_file($p,false,INI_SCANNER_RAW);if(is_array($a))foreach(${JSON.stringify(CLI_FORCED).replace(/"/g, "'")} as $k)if(array_key_exists($k,$a))$fromFiles[$k]=$a[$k];}$o=[];$d=[];$h=[];foreach(json_decode($argv[1]) as $k){$forced=in_array($k,${JSON.stringify(CLI_FORCED).replace(/"/g, "'")},true);$v=array_key_exists($k,$fromFiles)?$fromFiles[$k]:ini_get($k);if($v===false)continue;$o[$k]=(string)$v;if($forced&&!array_key_exists($k,$fromFiles))$h[]=$k;if(get_cfg_var($k)===false&&!$forced)$d[]=$k;}echo json_encode(['ini'=>(object)$o,'defaults'=>$d,'forced'=>$h]);`;

/** Module names from `php -m`: both sections, lower-cased so "Zend OPcache" matches across builds. */
export function parsePhpModules(output: string): string[] {
  const names = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('['))
    .map((l) => l.toLowerCase());
  return [...new Set(names)].sort();
}

export interface PhpIniRead {
  ini: Record<string, string>;
  /** Settings of `ini` at PHP's built-in default (no loaded file sets them, the CLI does not force them). */
  defaults: string[];
  /** Settings of `ini` the CLI forces and no loaded file sets: the CLI's value, not PHP-FPM's. */
  forced: string[];
}

/**
 * What the INI script prints: `{"ini": {...}, "defaults": [...], "forced": [...]}`, or a bare
 * settings object (a php that does not say which are defaults: none are taken for one). Anything
 * else is an error naming what came back.
 */
export function parsePhpIni(output: string): PhpIniRead {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output.trim());
  } catch {
    throw new Error(`php settings: not JSON: ${JSON.stringify(output.trim().slice(0, 60))}`);
  }
  const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (!isObject(parsed)) throw new Error('php settings: not a JSON object');
  const wrapped = isObject(parsed.ini) && Array.isArray(parsed.defaults);
  const values = wrapped ? (parsed.ini as Record<string, unknown>) : parsed;
  const wanted = new Set<string>(PHP_PARITY_INI);
  const ini = Object.fromEntries(Object.entries(values).filter(([k]) => wanted.has(k)).map(([k, v]) => [k, String(v)]));
  const listed = (x: unknown): string[] => [...new Set((Array.isArray(x) ? x : []).filter((k): k is string => typeof k === 'string' && Object.hasOwn(ini, k)))].sort();
  return { ini, defaults: wrapped ? listed(parsed.defaults) : [], forced: wrapped ? listed(parsed.forced).filter((k) => CLI_FORCED.includes(k)) : [] };
}

async function readIni(binary: string, env: ToolEnv): Promise<{ ini: Record<string, string>; ini_defaults: string[]; ini_forced: string[] } | { ini_error: string }> {
  try {
    const out = await runTool(binary, ['-r', INI_SCRIPT, JSON.stringify(PHP_PARITY_INI)], env);
    const read = parsePhpIni(out.stdout);
    return { ini: read.ini, ini_defaults: read.defaults, ini_forced: read.forced };
  } catch (err) {
    // The command line holds only the script: safe to report as runTool words it.
    return { ini_error: errorMessage(err).replace(INI_SCRIPT, '<settings script>') };
  }
}

export async function collectPhpFacts(binary: string, env: ToolEnv = {}): Promise<Collected<PhpFacts>> {
  const found = await findOnPath(binary, env);
  if (found === undefined) {
    return { facts: { present: false, binary }, notes: [`${binary} not found on this host`] };
  }
  try {
    const [version, modules, settings] = await Promise.all([
      runTool(found, ['-r', 'echo PHP_VERSION;'], env),
      runTool(found, ['-m'], env),
      readIni(found, env),
    ]);
    return {
      facts: { present: true, binary: found, version: version.stdout.trim(), modules: parsePhpModules(modules.stdout), ...settings },
      notes: 'ini_error' in settings ? [`php: settings unknown: ${settings.ini_error}`] : [],
    };
  } catch (err) {
    const message = errorMessage(err);
    return { facts: { present: true, binary: found, error: message }, notes: [`php: ${message}`] };
  }
}
