// A prepared multi-row INSERT's COM_STMT_EXECUTE packet written straight from the staging
// server's own text-protocol row packets. Every field of such a packet is already a
// length-encoded string (0xFB alone for NULL), which is exactly how a BLOB parameter's value is
// written in an execute packet: the values part is the rows' bytes with the NULL markers left
// out, one copy per row (one more per NULL in it). Handing mysql2 an array of Buffers instead costs a parameter object
// and a write per value — at 14 M values, seconds of the production agent's CPU, which kept
// short rows on LOAD DATA although the server takes them more cheaply this way.
//
// mysql2 has no public call for a packet of one's own, so its Execute command is reused for
// everything but the packet it writes (the OK or error that comes back, warnings included, is
// read by mysql2 as for any execute). Its files are reached by path, not by its exports map;
// the packet is what mysql2 itself would write for the same Buffer parameters (a unit test holds
// the bytes equal), and a server that expects query attributes gets mysql2's own encoding.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Connection, PreparedStatementInfo, ResultSetHeader } from 'mysql2/promise';
import { SwitchyardError } from '../../shared/errors.js';
import { fieldAt } from './text-rows.js';

const COM_STMT_EXECUTE = 0x17;
const TYPE_BLOB = 0xfc;
const TYPE_NULL = 0x06;
const CLIENT_QUERY_ATTRIBUTES = 1 << 27;
/** Command byte, statement id, cursor flags, iteration count; after the 4-byte packet header. */
const FIXED = 4 + 1 + 4 + 1 + 4;

const malformed = (what: string) => new SwitchyardError('SY_DB', `row packet: ${what}`);
const spot = { start: 0, end: 0 };

/** Rows collected for one or more execute packets: views of the chunks they arrived in. */
export class ExecuteRows {
  private bufs: Buffer[] = [];
  private starts: number[] = [];
  private ends: number[] = [];
  /** Per row, where its NULLs begin in `nullAt` (one more entry than rows). */
  private nullFrom: number[] = [0];
  /** For each NULL: its parameter index within its row, then the byte of its 0xFB marker. */
  private nullAt: number[] = [];
  rows = 0;
  /** Value bytes so far (NULL markers included), what a statement's size is weighed by. */
  bytes = 0;

  constructor(readonly fields: number) {}

  /** Adds the row packet payload buf[start, end); checks it has exactly `fields` fields. */
  add(buf: Buffer, start: number, end: number): void {
    let pos = start;
    const mark = this.nullAt.length;
    try {
      for (let i = 0; i < this.fields; i++) {
        fieldAt(buf, pos, end, spot);
        if (spot.start < 0) this.nullAt.push(i, pos);
        pos = spot.end;
      }
      if (pos !== end) throw malformed('more fields than columns');
    } catch (err) {
      this.nullAt.length = mark;
      throw err;
    }
    this.bufs.push(buf);
    this.starts.push(start);
    this.ends.push(end);
    this.nullFrom.push(this.nullAt.length);
    this.rows++;
    this.bytes += end - start;
  }

  /** The execute packet (4-byte header left for mysql2 to fill) of rows [from, from + n). */
  packet(statementId: number, from: number, n: number): Buffer {
    if (from < 0 || n < 1 || from + n > this.rows) throw new SwitchyardError('SY_INTERNAL', `execute packet: rows ${from}+${n} of ${this.rows}`);
    const params = n * this.fields;
    const bitmap = (params + 7) >> 3;
    const n0 = this.nullFrom[from]!;
    const n1 = this.nullFrom[from + n]!;
    let values = 0;
    for (let r = from; r < from + n; r++) values += this.ends[r]! - this.starts[r]!;
    values -= (n1 - n0) / 2;
    const out = Buffer.allocUnsafe(FIXED + bitmap + 1 + 2 * params + values);
    out[4] = COM_STMT_EXECUTE;
    out.writeUInt32LE(statementId >>> 0, 5);
    out[9] = 0;
    out.writeUInt32LE(1, 10);
    out.fill(0, FIXED, FIXED + bitmap);
    out[FIXED + bitmap] = 1; // new parameters bound: the types follow
    const types = FIXED + bitmap + 1;
    for (let i = 0; i < params; i++) {
      out[types + 2 * i] = TYPE_BLOB;
      out[types + 2 * i + 1] = 0;
    }
    let pos = types + 2 * params;
    for (let r = from; r < from + n; r++) {
      const buf = this.bufs[r]!;
      let s = this.starts[r]!;
      const base = (r - from) * this.fields;
      for (let k = this.nullFrom[r]!; k < this.nullFrom[r + 1]!; k += 2) {
        const p = base + this.nullAt[k]!;
        out[FIXED + (p >> 3)]! |= 1 << (p & 7);
        out[types + 2 * p] = TYPE_NULL;
        const at = this.nullAt[k + 1]!;
        pos += buf.copy(out, pos, s, at);
        s = at + 1;
      }
      pos += buf.copy(out, pos, s, this.ends[r]!);
    }
    return out;
  }
}

interface CoreConnection {
  config: { clientFlags: number };
  serverCapabilityFlags?: number;
  writePacket(p: unknown): void;
  addCommand(cmd: unknown): unknown;
}
interface CoreStatement {
  id: number;
  _connection: CoreConnection;
}

type Done = (err: Error | null, res?: ResultSetHeader) => void;
interface Mysql2Internals {
  Execute: new (options: { statement: CoreStatement; values: unknown[] }, cb: Done) => object & { start(...a: unknown[]): unknown };
  Packet: new (id: number, buffer: Buffer, start: number, end: number) => object;
  queryOptions: (config: unknown, options: unknown) => unknown;
}

let internals: Mysql2Internals | null | undefined;

function load(): Mysql2Internals | null {
  if (internals !== undefined) return internals;
  try {
    const req = createRequire(import.meta.url);
    const root = dirname(req.resolve('mysql2'));
    const Execute = req(join(root, 'lib/commands/execute.js')) as Mysql2Internals['Execute'];
    const Packet = req(join(root, 'lib/packets/packet.js')) as Mysql2Internals['Packet'];
    const config = req(join(root, 'lib/connection_config.js')) as { queryOptions?: Mysql2Internals['queryOptions'] };
    const proto = Execute.prototype as unknown as Record<string, unknown>;
    internals =
      typeof config.queryOptions === 'function' && typeof proto.start === 'function' && typeof proto.resultsetHeader === 'function' && typeof proto._setTimeout === 'function'
        ? { Execute, Packet, queryOptions: config.queryOptions }
        : null;
  } catch {
    internals = null;
  }
  return internals;
}

function coreOf(st: PreparedStatementInfo): CoreStatement | undefined {
  const core = (st as unknown as { statement?: CoreStatement }).statement;
  return core !== undefined && typeof core.id === 'number' && typeof core._connection?.addCommand === 'function' ? core : undefined;
}

/**
 * Whether `executeRaw` can run on `conn`: mysql2's parts are where we expect them, and the
 * server does not expect query attributes (MySQL 8.0.23+), which change the packet's layout.
 */
export function rawExecuteUsable(conn: Connection): boolean {
  const core = (conn as unknown as { connection?: CoreConnection }).connection;
  if (core === undefined || typeof core.addCommand !== 'function' || typeof core.config?.clientFlags !== 'number' || load() === null) return false;
  return (core.config.clientFlags & (core.serverCapabilityFlags ?? 0) & CLIENT_QUERY_ATTRIBUTES) === 0;
}

/** Runs `st` with the parameters in the packet `build` makes for its id (ExecuteRows.packet). */
export function executeRaw(st: PreparedStatementInfo, build: (statementId: number) => Buffer): Promise<ResultSetHeader> {
  const core = coreOf(st);
  const m = load();
  if (core === undefined || m === null) return Promise.reject(new SwitchyardError('SY_INTERNAL', 'raw execute: mysql2 internals not found'));
  const packet = build(core.id);
  return new Promise((resolve, reject) => {
    const cmd = new m.Execute({ statement: core, values: [] }, (err, res) => (err ? reject(err) : resolve(res!)));
    // Execute.start as mysql2 has it, but for the packet it writes.
    const c = cmd as unknown as { start: unknown; _connection: unknown; options: unknown; _executeOptions: unknown; _setTimeout(): void; resultsetHeader: unknown };
    c.start = function (_p: unknown, connection: CoreConnection): unknown {
      c._connection = connection;
      c.options = m.queryOptions((connection as unknown as { config: unknown }).config, c._executeOptions);
      c._setTimeout();
      connection.writePacket(new m.Packet(0, packet, 0, packet.length));
      return c.resultsetHeader;
    };
    core._connection.addCommand(cmd);
  });
}
