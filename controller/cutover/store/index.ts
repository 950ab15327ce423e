// The cutover store: one better-sqlite3 file, one repository per entity, and `transaction`
// for every state change that must not be half done.
import { applyMigrations, openDatabase, type Db } from '../../../shared/state/sqlite.js';
import { CUTOVER_MIGRATIONS } from './migrations.js';
import { CutoverRepo } from './cutovers.js';
import { StepRepo } from './steps.js';
import { RollbackPartRepo, RollbackRepo } from './rollbacks.js';
import { DnsSnapshotRepo } from './dns-snapshots.js';
import { AuditLogRepo } from './audit-log.js';
import { EventRepo } from './events.js';
import { TtlLoweredRepo } from './ttl-lowered.js';
import { ControllerLockRepo } from './controller-lock.js';

export { CUTOVER_MIGRATIONS } from './migrations.js';
export type { CutoverRow, CutoverPatch, ErrorRecord, ListPosition } from './cutovers.js';
export type { StepRow } from './steps.js';
export type { RollbackRow, RollbackPartRow } from './rollbacks.js';
export type { DnsSnapshotRow } from './dns-snapshots.js';
export type { AuditRow, AuditAction } from './audit-log.js';
export type { EventRow } from './events.js';
export type { TtlRow } from './ttl-lowered.js';
export type { LockHolder } from './controller-lock.js';

export class CutoverStore {
  readonly cutovers: CutoverRepo;
  readonly steps: StepRepo;
  readonly rollbacks: RollbackRepo;
  readonly rollbackParts: RollbackPartRepo;
  readonly dnsSnapshots: DnsSnapshotRepo;
  readonly audit: AuditLogRepo;
  readonly events: EventRepo;
  readonly ttlLowered: TtlLoweredRepo;
  readonly controllerLock: ControllerLockRepo;

  /** Wraps an open database (shared with other features) and applies this feature's migrations. */
  constructor(readonly db: Db) {
    applyMigrations(db, CUTOVER_MIGRATIONS);
    this.cutovers = new CutoverRepo(db);
    this.steps = new StepRepo(db);
    this.rollbacks = new RollbackRepo(db);
    this.rollbackParts = new RollbackPartRepo(db);
    this.dnsSnapshots = new DnsSnapshotRepo(db);
    this.audit = new AuditLogRepo(db);
    this.events = new EventRepo(db);
    this.ttlLowered = new TtlLoweredRepo(db);
    this.controllerLock = new ControllerLockRepo(db);
  }

  static open(path: string): CutoverStore {
    return new CutoverStore(openDatabase(path, CUTOVER_MIGRATIONS));
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }
}
