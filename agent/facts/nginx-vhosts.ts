// The server blocks nginx serves, as facts: each directive with where it stands (top of the block,
// `location[~ \.php$]`), values that may hold a secret as salted digests only. A value is read,
// hashed and dropped here, as env.ts does for dotenv files: a password in a fastcgi_param never
// leaves the agent.
import { dirname, isAbsolute, join } from 'node:path';
import type { VirtualHostFacts } from '../../shared/proto-gen/switchyard/v1/VirtualHostFacts.js';
import type { VhostDirective } from '../../shared/proto-gen/switchyard/v1/VhostDirective.js';
import { envDigest } from './env.js';
import { errorMessage } from './exec.js';
import { matchSite, type SiteQuery } from '../../shared/nginx-site.js';
import { serverBlocks, splitDump, upstreamServers, type ConfDirective } from './nginx-conf.js';
import { readSmallFile } from './small-file.js';

/** Directives named by their first argument: one row per header or parameter. */
const KEYED = new Set(['fastcgi_param', 'uwsgi_param', 'scgi_param', 'proxy_set_header', 'grpc_set_header', 'add_header', 'set', 'proxy_hide_header']);

/** A parameter or variable whose name says it holds a credential. */
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|KEY/i;
/** Headers that carry credentials whatever they are called in the config. */
const SECRET_HEADER = /^(?:proxy-)?authorization$|^cookie$/i;

function isSecret(name: string, param: string, value: string): boolean {
  if (KEYED.has(name) && (SECRET_NAME.test(param) || SECRET_HEADER.test(param))) return true;
  // A key given inline (`data:-----BEGIN…`) is the key itself; a path to one is not a secret.
  if (name === 'ssl_certificate_key' || name === 'ssl_password_file') return /^data:/.test(value) || name === 'ssl_password_file';
  return false;
}

/** `location[~ \.php$]`: a block's name and arguments, as the row keys show them. */
function blockLabel(d: ConfDirective): string {
  return `${d.name}[${d.args.join(' ')}]`;
}

export interface VhostOptions {
  salt: string;
  /** Where relative auth_basic_user_file paths start (nginx's conf prefix). */
  prefix: string;
}

async function directiveFacts(d: ConfDirective, context: string, opts: VhostOptions): Promise<VhostDirective> {
  const keyed = KEYED.has(d.name) && d.args.length > 0;
  const param = keyed ? d.args[0]! : '';
  const value = (keyed ? d.args.slice(1) : d.args).join(' ');
  const base = { context, name: d.name, param, secret: false, error: '' };
  // Unsalted digests of short secrets are found by trying every short string: none is sent.
  const digest = (text: string): VhostDirective =>
    opts.salt === '' ? { ...base, value: '', secret: true, error: 'not digested: the request carried no env_salt' } : { ...base, value: envDigest(opts.salt, text), secret: true };
  if (d.name === 'auth_basic_user_file' && d.args.length === 1) {
    // Its users and password hashes are what matters, not where the file lies.
    const file = isAbsolute(d.args[0]!) ? d.args[0]! : join(opts.prefix, d.args[0]!);
    try {
      const read = await readSmallFile(file);
      if ('refused' in read) return { ...base, value: '', secret: true, error: `${file}: ${read.refused}` };
      return digest(read.text);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { ...base, value: '', secret: true, error: `${file}: cannot read: ${code ?? errorMessage(err)}` };
    }
  }
  if (isSecret(d.name, param, value)) return digest(value);
  return { ...base, value };
}

async function flatten(directives: ConfDirective[], context: string, opts: VhostOptions, out: VhostDirective[]): Promise<void> {
  for (const d of directives) {
    if (d.children !== undefined) {
      await flatten(d.children, context === '' ? blockLabel(d) : `${context}.${blockLabel(d)}`, opts, out);
      continue;
    }
    // Named in the block's own fields.
    if (context === '' && (d.name === 'server_name' || d.name === 'listen')) continue;
    out.push(await directiveFacts(d, context, opts));
  }
}

/** Every server block of a `nginx -T` dump, secrets digested with `salt`. */
export async function vhostFacts(dump: string, salt: string): Promise<VirtualHostFacts[]> {
  return (await siteVhostFacts(dump, salt)).vhosts;
}

/**
 * The server blocks of a `nginx -T` dump as facts: with a `site`, only those nginx answers it with
 * on its ports and those that choice reads (an unreadable regex), so the controller, matching again
 * over them, decides as over all — and another site's secrets are not even digested. `total`
 * counts every block of the dump.
 */
export async function siteVhostFacts(dump: string, salt: string, site?: SiteQuery): Promise<{ vhosts: VirtualHostFacts[]; total: number }> {
  const main = splitDump(dump)[0]?.path;
  const opts = { salt, prefix: main === undefined ? '/etc/nginx' : dirname(main) };
  const blocks = serverBlocks(dump).map((block) => {
    const top = (name: string) => block.directives.filter((d) => d.name === name && d.children === undefined);
    return { block, server_names: top('server_name').flatMap((d) => d.args), listen: top('listen').map((d) => d.args.join(' ')), file: block.file, line: block.line };
  });
  const keep = site === undefined ? undefined : new Set(matchSite(blocks, site).relevant);
  const hosts: VirtualHostFacts[] = [];
  for (const [i, b] of blocks.entries()) {
    if (keep !== undefined && !keep.has(i)) continue;
    const directives: VhostDirective[] = [];
    await flatten(b.block.directives, '', opts, directives);
    hosts.push({ server_names: b.server_names, listen: b.listen, file: b.file, line: b.line, directives });
  }
  return { vhosts: hosts, total: blocks.length };
}

/** Where nginx passes the site's PHP: the addresses, upstream names resolved; or why that is not known. */
export type FastcgiPass = { site: string; targets: string[] } | { why: string };

function fastcgiPasses(directives: ConfDirective[]): string[] {
  return directives.flatMap((d) => (d.children !== undefined ? fastcgiPasses(d.children) : d.name === 'fastcgi_pass' && d.args.length > 0 ? [d.args[0]!] : []));
}

/**
 * The fastcgi_pass addresses of the server blocks nginx answers `site` with (every location's),
 * an upstream's name replaced by its servers' addresses, so PHP-FPM facts can tell which install's
 * pool serves the site.
 */
export function siteFastcgiTargets(dump: string, site: SiteQuery): FastcgiPass {
  const blocks = serverBlocks(dump).map((block) => {
    const top = (name: string) => block.directives.filter((d) => d.name === name && d.children === undefined);
    return { block, server_names: top('server_name').flatMap((d) => d.args), listen: top('listen').map((d) => d.args.join(' ')), file: block.file, line: block.line };
  });
  const match = matchSite(blocks, site);
  if ('why' in match) return { why: match.why };
  const serving = [...new Set(match.ports.flatMap((p) => (p.index === undefined ? [] : [p.index])))];
  if (serving.length === 0) return { why: `no nginx server block answers ${site.host}` };
  const upstreams = upstreamServers(dump);
  const targets = new Set<string>();
  for (const i of serving) {
    for (const pass of fastcgiPasses(blocks[i]!.block.directives)) {
      if (pass.includes('$')) return { why: `fastcgi_pass ${pass} in ${blocks[i]!.file}:${blocks[i]!.line} is chosen at request time` };
      for (const t of upstreams.get(pass) ?? [pass]) targets.add(t);
    }
  }
  return { site: site.host, targets: [...targets] };
}
