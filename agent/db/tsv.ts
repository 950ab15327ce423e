// The row format on the wire and into LOAD DATA: fields \t, lines \n, escape \\, NULL as \N.
// Values are the server's own text-protocol bytes, so nothing is parsed or transcoded between
// the two servers; the fallback path parses the same bytes back into rows for INSERT.

const TAB = 0x09;
const NL = 0x0a;
const BS = 0x5c;
const CR = 0x0d;
const NUL = 0x00;
const SUB = 0x1a;

// Only what LOAD DATA (FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n')
// would misread: the separators and the escape itself. NUL, CR and Ctrl-Z are read as they are
// (SELECT ... INTO OUTFILE escapes them for readability, not because LOAD DATA needs it), and
// every escape is one more scan of each long value on staging: 3 instead of 6.
const ESCAPED: Record<number, number> = { [TAB]: 0x74, [NL]: 0x6e, [BS]: BS };
// The same as a flat table (0: copied as is): the encoder looks at every byte of every value, and
// an indexed typed array is several times cheaper per byte than an object lookup.
const ESCAPE_TABLE = new Uint8Array(256);
for (const [k, v] of Object.entries(ESCAPED)) ESCAPE_TABLE[Number(k)] = v;
// Decoding still knows the escapes an older agent sent (\0 \r \Z) and \b.
const UNESCAPED: Record<number, number> = { 0x74: TAB, 0x6e: NL, [BS]: BS, 0x72: CR, 0x30: NUL, 0x5a: SUB, 0x62: 0x08 };

function clean(v: Buffer): boolean {
  return v.indexOf(BS) < 0 && v.indexOf(TAB) < 0 && v.indexOf(NL) < 0;
}

/** Accumulates encoded rows into buffers of about `chunkSize` bytes and hands each one on. */
export class TsvEncoder {
  private buf: Buffer;
  private pos = 0;
  rows = 0;
  bytes = 0;

  constructor(private readonly chunkSize: number, private readonly emit: (chunk: Buffer, rows: number) => void) {
    this.buf = Buffer.allocUnsafe(this.capacity);
  }

  private rowsInBuf = 0;

  // Room past chunkSize for the row that crosses it, so the buffer does not grow every chunk.
  private get capacity(): number {
    return this.chunkSize + (this.chunkSize >> 3);
  }

  /** Rows encoded so far, handed on or not. */
  get rowsSoFar(): number {
    return this.rows;
  }

  /** Bytes encoded so far, handed on or not. */
  get total(): number {
    return this.bytes + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  writeRow(values: ReadonlyArray<Buffer | null>): void {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) this.nullField(i === 0);
      else this.field(v, 0, v.length, i === 0);
    }
    this.endRow();
  }

  /** NULL as the next field of the current row. */
  nullField(first: boolean): void {
    this.ensure(3);
    if (!first) this.buf[this.pos++] = TAB;
    this.buf[this.pos++] = BS;
    this.buf[this.pos++] = 0x4e; // N
  }

  /** `src[start, end)` as the next field of the current row; `src` may be any larger buffer. */
  field(src: Buffer, start: number, end: number, first: boolean): void {
    const len = end - start;
    this.ensure(1 + len * 2);
    const buf = this.buf;
    let pos = this.pos;
    if (!first) buf[pos++] = TAB;
    if (len < 64) {
      // Short values byte by byte: cheaper than a native call per value.
      for (let j = start; j < end; j++) {
        const b = src[j]!;
        const e = ESCAPE_TABLE[b]!;
        if (e === 0) buf[pos++] = b;
        else {
          buf[pos++] = BS;
          buf[pos++] = e;
        }
      }
      this.pos = pos;
      return;
    }
    const v = start === 0 && end === src.length ? src : src.subarray(start, end);
    // Long values rarely hold a byte to escape: three native scans beat a loop over every byte.
    if (clean(v)) {
      this.pos = pos + v.copy(buf, pos);
      return;
    }
    let from = 0;
    for (let j = 0; j < len; j++) {
      const e = ESCAPE_TABLE[v[j]!]!;
      if (e === 0) continue;
      if (j > from) pos += v.copy(buf, pos, from, j);
      buf[pos++] = BS;
      buf[pos++] = e;
      from = j + 1;
    }
    if (from < len) pos += v.copy(buf, pos, from, len);
    this.pos = pos;
  }

  /**
   * A row as it came from the server (a text-protocol row packet's payload), behind its length:
   * the "rows" wire format (see TableData in database.proto), with no per-byte work at all.
   */
  frame(src: Buffer, start: number, end: number): void {
    const len = end - start;
    this.ensure(4 + len);
    this.buf.writeUInt32LE(len, this.pos);
    this.pos += 4 + src.copy(this.buf, this.pos + 4, start, end);
    this.rows++;
    this.rowsInBuf++;
    if (this.pos >= this.chunkSize) this.flush();
  }

  endRow(): void {
    this.byte(NL);
    this.rows++;
    this.rowsInBuf++;
    if (this.pos >= this.chunkSize) this.flush();
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  flush(): void {
    if (this.pos === 0) return;
    // Handed on as is (no copy); the next rows go to a fresh buffer.
    const out = this.buf.subarray(0, this.pos);
    this.bytes += out.length;
    const rows = this.rowsInBuf;
    this.pos = 0;
    this.rowsInBuf = 0;
    this.buf = Buffer.allocUnsafe(this.capacity);
    this.emit(out, rows);
  }
}

/** Parses the stream back into rows; feed chunks in order, then call end(). */
export class TsvDecoder {
  private field: number[] = [];
  private row: Array<Buffer | null> = [];
  private escape = false;
  private isNull = false;

  constructor(private readonly onRow: (row: Array<Buffer | null>) => void) {}

  write(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.escape) {
        this.escape = false;
        if (b === 0x4e && this.field.length === 0) {
          this.isNull = true;
          continue;
        }
        const u = UNESCAPED[b];
        this.field.push(u === undefined ? b : u);
        continue;
      }
      if (b === BS) {
        this.escape = true;
      } else if (b === TAB) {
        this.endField();
      } else if (b === NL) {
        this.endField();
        const row = this.row;
        this.row = [];
        this.onRow(row);
      } else {
        this.field.push(b);
      }
    }
  }

  private endField(): void {
    this.row.push(this.isNull ? null : Buffer.from(this.field));
    this.field = [];
    this.isNull = false;
  }

  end(): void {
    if (this.field.length > 0 || this.row.length > 0 || this.escape) throw new Error('row format: stream ended inside a row');
  }
}

/**
 * Splits the stream into rows of `columns` fields for the binary-protocol load: a value without
 * an escape is a view of the chunk it arrived in (no copy, no per-byte work in JavaScript — a
 * native scan finds each separator); only values holding an escape are rebuilt.
 */
export class TsvSplitter {
  private pieces: Buffer[] = [];

  constructor(
    private readonly columns: number,
    private readonly onRow: (row: Array<Buffer | null>, bytes: number) => void,
  ) {}

  write(chunk: Buffer): void {
    let start = 0;
    if (this.pieces.length > 0) {
      // A row that began in an earlier chunk: joined once, when its end arrives.
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.pieces.push(chunk);
        return;
      }
      const row = Buffer.concat([...this.pieces, chunk.subarray(0, nl)]);
      this.pieces = [];
      this.split(row, 0, row.length);
      start = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl < 0) break;
      this.split(chunk, start, nl);
      start = nl + 1;
    }
    if (start < chunk.length) this.pieces.push(chunk.subarray(start));
  }

  end(): void {
    if (this.pieces.length > 0) throw new Error('row format: stream ended inside a row');
  }

  private split(buf: Buffer, s: number, e: number): void {
    const row = new Array<Buffer | null>(this.columns);
    let pos = s;
    const last = this.columns - 1;
    for (let i = 0; i < last; i++) {
      const tab = buf.indexOf(TAB, pos);
      if (tab < 0 || tab > e) throw new Error(`row format: a row has ${i + 1} fields, expected ${this.columns}`);
      row[i] = fieldValue(buf.subarray(pos, tab));
      pos = tab + 1;
    }
    const tail = buf.subarray(pos, e);
    if (tail.indexOf(TAB) >= 0) throw new Error(`row format: a row has more than ${this.columns} fields`);
    row[last] = fieldValue(tail);
    this.onRow(row, e - s + 1);
  }
}

function fieldValue(v: Buffer): Buffer | null {
  const bs = v.indexOf(BS);
  if (bs < 0) return v;
  if (v.length === 2 && v[1] === 0x4e) return null;
  const out = Buffer.allocUnsafe(v.length);
  let n = v.copy(out, 0, 0, bs);
  for (let j = bs; j < v.length; j++) {
    const b = v[j]!;
    if (b !== BS) {
      out[n++] = b;
      continue;
    }
    if (++j >= v.length) throw new Error('row format: a value ends in an escape');
    const u = UNESCAPED[v[j]!];
    out[n++] = u === undefined ? v[j]! : u;
  }
  return out.subarray(0, n);
}
