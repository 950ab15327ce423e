// Which operating system, kernel and runtime this agent runs on.
import { readFile } from 'node:fs/promises';
import { arch, hostname, platform, release } from 'node:os';
import type { OsFacts } from '../../shared/proto-gen/switchyard/v1/OsFacts.js';
import { packageVersion } from '../../shared/paths.js';
import type { Collected } from './collected.js';
import { errorMessage } from './exec.js';

/** PRETTY_NAME from an os-release file's text; shell-style quoting as os-release(5) allows. */
export function prettyName(osRelease: string): string | undefined {
  for (const line of osRelease.split('\n')) {
    const m = /^PRETTY_NAME=(.*)$/.exec(line.trim());
    if (!m) continue;
    const raw = m[1]!.trim();
    const quoted = /^(["'])(.*)\1$/.exec(raw);
    return quoted ? quoted[2]!.replace(/\\(["$`\\])/g, '$1') : raw;
  }
  return undefined;
}

export async function collectOsFacts(osReleasePath = '/etc/os-release'): Promise<Collected<OsFacts>> {
  const notes: string[] = [];
  let distro = '';
  try {
    distro = prettyName(await readFile(osReleasePath, 'utf8')) ?? '';
    if (distro === '') notes.push(`os: ${osReleasePath} has no PRETTY_NAME`);
  } catch (err) {
    notes.push(`os: cannot read ${osReleasePath}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
  }
  return {
    facts: {
      platform: platform(),
      distro,
      kernel: release(),
      arch: arch(),
      hostname: hostname(),
      agent_version: packageVersion(),
      node_version: process.versions.node,
    },
    notes,
  };
}
