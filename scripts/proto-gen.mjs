#!/usr/bin/env node
// Generates the TypeScript types for every .proto under proto/ into shared/proto-gen/ with
// exactly the options shared/grpc/load.ts passes to loadSync. `--check DIR` writes to DIR
// instead so a test can compare it with the committed copy.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, rmSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = join(root, 'proto');
const outIdx = process.argv.indexOf('--out');
const out = outIdx > 0 ? process.argv[outIdx + 1] : join(root, 'shared', 'proto-gen');

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.proto') ? [relative(protoDir, p)] : [];
  }).sort();
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
execFileSync(
  join(root, 'node_modules', '.bin', 'proto-loader-gen-types'),
  [...walk(protoDir), '--keepCase', '--longs=String', '--enums=String', '--defaults', '--oneofs',
   '--grpcLib=@grpc/grpc-js', '--importFileExtension=.js', '--outDir', out, '--includeDirs', protoDir],
  { stdio: 'inherit' },
);

// The generator writes the absolute proto path into each file; keep it relative so the output
// is the same in every checkout (and the drift test can compare them).
function outputs(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? outputs(p) : [p];
  });
}
for (const f of outputs(out)) {
  const text = readFileSync(f, 'utf8');
  const fixed = text.split(`${protoDir}/`).join('proto/');
  if (fixed !== text) writeFileSync(f, fixed);
}
