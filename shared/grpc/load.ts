// Loads every Switchyard proto once, with exactly the options scripts/proto-gen.mjs gives
// proto-loader-gen-types, so the committed types describe what runs.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { packageRoot } from '../paths.js';
import type { ProtoGrpcType as AgentProto } from '../proto-gen/agent.js';
import type { ProtoGrpcType as HealthProto } from '../proto-gen/health.js';

export const PROTO_LOADER_OPTIONS: Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

export type SwitchyardProto = AgentProto & HealthProto;

function protoFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? protoFiles(p) : p.endsWith('.proto') ? [p] : [];
  });
}

let cached: unknown;

/** The loaded package object; cast to the generated root type of the feature you use. */
export function loadProto<T = SwitchyardProto>(): T {
  if (cached === undefined) {
    const dir = join(packageRoot(), 'proto');
    const files = protoFiles(dir).map((f) => relative(dir, f));
    cached = grpc.loadPackageDefinition(loadSync(files, { ...PROTO_LOADER_OPTIONS, includeDirs: [dir] }));
  }
  return cached as T;
}
