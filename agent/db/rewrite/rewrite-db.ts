import type { Logger } from '../../../shared/logger.js';
import { SwitchyardError } from '../../../shared/errors.js';
import type { DbTarget } from '../connect.js';
import type { RewriteReport } from '../../../shared/proto-gen/switchyard/v1/RewriteReport.js';

export interface RewriteRule { from: string; to: string; skipColumns: string[] }

export async function rewriteDatabase(_t: DbTarget, _s: string, _r: RewriteRule[], _d: boolean, _l: Logger): Promise<RewriteReport> {
  throw new SwitchyardError('SY_INTERNAL', 'not yet');
}
