import type { Db } from '../../shared/state/sqlite.js';
import type { Logger } from '../../shared/logger.js';
import { SwitchyardError } from '../../shared/errors.js';
import type { DbTarget } from './connect.js';
import type { SourcePeer } from './peer.js';
import type { PreflightReport } from '../../shared/proto-gen/switchyard/v1/PreflightReport.js';

export class ProductionOnlyStore {
  constructor(private readonly db?: Db) {}
}

export async function preflightDatabase(_o: { target: DbTarget; peer: SourcePeer; targetSchema: string; store: ProductionOnlyStore; logger: Logger }): Promise<PreflightReport> {
  throw new SwitchyardError('SY_INTERNAL', 'not yet');
}

export async function mergeProductionOnly(_t: DbTarget, _s: string, _m: string, _st: ProductionOnlyStore): Promise<{ rowsMerged: number; tables: string[] }> {
  throw new SwitchyardError('SY_INTERNAL', 'not yet');
}
