// The web servers installed here (nginx, Apache): version and the modules they were built or
// loaded with. Whichever is absent is noted; a host usually runs one of the two.
import { basename } from 'node:path';
import type { WebServerFacts } from '../../shared/proto-gen/switchyard/v1/WebServerFacts.js';
import type { Collected } from './collected.js';
import { errorMessage, findOnPath, runTool, type ToolEnv } from './exec.js';

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

async function nginx(binary: string, env: ToolEnv): Promise<Collected<WebServerFacts | undefined>> {
  const found = await findOnPath(binary, env);
  if (found === undefined) return { facts: undefined, notes: [`nginx: ${binary} not found on this host`] };
  try {
    const out = await runTool(found, ['-V'], env);
    return { facts: { kind: 'nginx', binary: found, ...parseNginxV(`${out.stderr}\n${out.stdout}`) }, notes: [] };
  } catch (err) {
    const message = errorMessage(err);
    return { facts: { kind: 'nginx', binary: found, error: message }, notes: [`nginx: ${message}`] };
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

export async function collectWebServerFacts(binaries: { nginx: string; apache: string }, env: ToolEnv = {}): Promise<Collected<WebServerFacts[]>> {
  const found = await Promise.all([nginx(binaries.nginx, env), apache(binaries.apache, env)]);
  return {
    facts: found.flatMap((c) => (c.facts === undefined ? [] : [c.facts])),
    notes: found.flatMap((c) => c.notes),
  };
}
