// The Node.js flags the `switchyard` binary runs with: its shebang names them, so an installed
// binary (npm's link, the Docker image's, systemd's ExecStart) gets them without a wrapper. Where
// we start the binary ourselves with `node main.js` (the demo, the benchmarks) the same flags are
// read from that line, so what is measured is what is installed.
//
// --initial-old-space-size=128: the agents' live heap is small (~20 MB), V8 sized its old
// generation's limit to it, and while chunks streamed the limit was reached again and again: up
// to seven major GCs a second, each finding the same ~20 MB live (--trace-gc: "Mark-Compact 19.6 ->
// 19.4 MB ... GC in old space requested"). One 2 GB initial copy, whole agent lifetimes: 69
// mark-compacts on the staging agent and 79 on production's, against 5 and 16 with the flag —
// each one marking on the main thread and on V8's helper threads beside it. The cost is memory
// that stays garbage for longer: peak RSS 444 / 592 MB in the 2 GB bench, against 398 / 550 MB
// in the run before it (one tree size measured; the flag sets where the limit starts, and it
// still grows with what is live).
// (--max-semi-space-size=32, tried first, left the scavenge count where it was.)
// (--min-semi-space-size=8, tried in the twenty-fourth session: after an idle spell V8 shrinks the
// young generation to 1 MB, and the floor took the first pull's scavenges from 10-19 to 2-3 —
// ~25 ms of production's main thread, no wall time we could measure; production's peak RSS in
// the assets bench 490-594 MB with it against 485-515 without, no clear cost. Nothing to gain,
// so not kept.)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MAIN_SCRIPT = fileURLToPath(new URL('./main.js', import.meta.url));

/** The flags after `node` on the script's `#!/usr/bin/env -S node …` line; none without one. */
export function shebangNodeFlags(script: string = MAIN_SCRIPT): string[] {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  if (!first.startsWith('#!')) return [];
  const words = first.slice(2).trim().split(/\s+/);
  const at = words.findIndex((w) => w === 'node' || w.endsWith('/node'));
  return at < 0 ? [] : words.slice(at + 1).filter((w) => w.startsWith('--'));
}
