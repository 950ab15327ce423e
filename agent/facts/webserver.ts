// The web servers installed here (nginx, Apache): version, the modules they were built or
// loaded with, and nginx's server blocks. Whichever is absent is noted; a host usually runs one.
import { basename } from 'node:path';
import type { WebServerFacts } from '../../shared/proto-gen/switchyard/v1/WebServerFacts.js';
import type { Collected } from './collected.js';
import { errorMessage, findOnPath, runTool, type ToolEnv } from './exec.js';
import type { SiteQuery } from '../../shared/nginx-site.js';
import { siteFastcgiTargets, siteVhostFacts, type FastcgiPass } from './nginx-vhosts.js';

/** Version and modules from `nginx -V` (which writes to stderr). */
export function parseNginxV(output: string): { version: string; modules: string[] } {
  const version = /nginx version:\s*\S+?\/(\S+)/.exec(output)?.[1] ?? '';
  const args = /configure arguments:(.*)$/m.exec(output)?.[1] ?? '';
  const modules = new Set<string>();
  for (const arg of args.trim().split(/\s+/)) {
    // --with-cc-opt=... and friends are build flags, not features.
    const flag = /^--with-([A-Za-z0-9_-]+)$/.exec(arg);
    if (flag) modules.add(flag[1]!);
    const added = /^--add-(?:dynamic-)?module=(.+)$/.exec(arg);
    if (added) modules.add(basename(added[1]!.replace(/\/+$/, '')));
  }
  return { version, modules: [...modules].sort() };
}

/** Version from `apache2ctl -v` / `httpd -v`. */
export function parseApacheVersion(output: string): string {
  return /Server version:\s*Apache\/(\S+)/.exec(output)?.[1] ?? '';
}

/** Module names from `apache2ctl -M`: " rewrite_module (shared)" lines. */
export function parseApacheModules(output: string): string[] {
  const names = output
    .split('\n')
    .map((l) => /^\s+([A-Za-z0-9_]+)\s+\((?:static|shared)\)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
  return [...new Set(names)].sort();
}

/** What a collector of web servers found, plus where nginx passes the site's PHP (for PHP-FPM's facts, never sent). */
export type WebServersCollected = Collected<WebServerFacts[]> & { fastcgi: FastcgiPass };

async function nginx(binary: string, env: ToolEnv, salt: string, site: SiteQuery | undefined): Promise<Collected<WebServerFacts | undefined> & { fastcgi: FastcgiPass }> {
  const found = await findOnPath(binary, env);
  if (found === undefined) return { facts: undefined, notes: [`nginx: ${binary} not found on this host`], fastcgi: { why: `nginx (${binary}) is not on this host` } };
  let facts: WebServerFacts;
  try {
    const out = await runTool(found, ['-V'], env);
    facts = { kind: 'nginx', binary: found, ...parseNginxV(`${out.stderr}\n${out.stdout}`) };
  } catch (err) {
    const message = errorMessage(err);
    return { facts: { kind: 'nginx', binary: found, error: message }, notes: [`nginx: ${message}`], fastcgi: { why: `nginx: ${message}` } };
  }
  // -T tests the configuration as the running server would load it, then prints every file it
  // read (runTool caps its time and output). It needs what nginx needs: certificate keys root
  // alone may read make it fail, which is said, not guessed around.
  try {
    const out = await runTool(found, ['-T'], env);
    const { vhosts, total } = await siteVhostFacts(out.stdout, salt, site);
    const fastcgi = site === undefined ? { why: 'the request named no site' } : siteFastcgiTargets(out.stdout, site);
    return { facts: { ...facts, vhosts, vhosts_read: true, vhosts_total: total, vhosts_site: site?.host ?? '' }, notes: [], fastcgi };
  } catch (err) {
    const message = errorMessage(err);
    return { facts: { ...facts, vhosts_read: false, vhosts_error: message }, notes: [`nginx: server blocks unknown: ${message}`], fastcgi: { why: `nginx's server blocks are unknown: ${message}` } };
  }
}

async function apache(binary: string, env: ToolEnv): Promise<Collected<WebServerFacts | undefined>> {
  const found = await findOnPath(binary, env);
  if (found === undefined) return { facts: undefined, notes: [`apache: ${binary} not found on this host`] };
  const facts: WebServerFacts = { kind: 'apache', binary: found };
  const notes: string[] = [];
  try {
    const out = await runTool(found, ['-v'], env);
    facts.version = parseApacheVersion(`${out.stdout}\n${out.stderr}`);
  } catch (err) {
    facts.error = errorMessage(err);
    notes.push(`apache: ${facts.error}`);
    return { facts, notes };
  }
  // -M parses the full configuration and may need root; the version alone is still worth having.
  try {
    const out = await runTool(found, ['-M'], env);
    facts.modules = parseApacheModules(`${out.stdout}\n${out.stderr}`);
  } catch (err) {
    facts.error = errorMessage(err);
    notes.push(`apache: modules unknown: ${facts.error}`);
  }
  return { facts, notes };
}

/**
 * `salt` keys the digests of vhost values that may hold secrets (as env values'); with `site`,
 * only that site's nginx server blocks are sent.
 */
export async function collectWebServerFacts(binaries: { nginx: string; apache: string }, env: ToolEnv = {}, salt = '', site?: SiteQuery): Promise<WebServersCollected> {
  const found = await Promise.all([nginx(binaries.nginx, env, salt, site), apache(binaries.apache, env)]);
  return {
    facts: found.flatMap((c) => (c.facts === undefined ? [] : [c.facts])),
    notes: found.flatMap((c) => c.notes),
    fastcgi: found[0].fastcgi,
  };
}
