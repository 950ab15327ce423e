// The tailer against real files: driven by explicit polls so each rotation is seen at a known point.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync, utimesSync, writeFileSync, copyFileSync } from 'node:fs';
import { compressLikeLogrotate, runTool } from '../helpers/system-tool.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogTailer, type Rotation } from '../../agent/monitor/log-tailer.js';
import { accessLogPosition, streamStatusCounts } from '../../agent/monitor/access-log-stream.js';
import type { StatusCounts } from '../../shared/proto-gen/switchyard/v1/StatusCounts.js';
import { SwitchyardError } from '../../shared/errors.js';

function setup(t: TestContext): { dir: string; log: string; lines: string[]; rotations: Rotation[]; unplaced: string[]; tailer: LogTailer } {
  const dir = mkdtempSync(join(tmpdir(), 'sy-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'access.log');
  writeFileSync(log, 'old 1\nold 2\n');
  const lines: string[] = [];
  const rotations: Rotation[] = [];
  const unplaced: string[] = [];
  // A long poll interval: the test's own poll() calls decide when the file is looked at.
  const tailer = new LogTailer(log, { onLines: (l) => lines.push(...l), onRotate: (k) => rotations.push(k), onUnplaced: (why) => unplaced.push(why), pollMs: 60_000 });
  t.after(() => tailer.close());
  return { dir, log, lines, rotations, unplaced, tailer };
}

/** What a stream on `log` from the position `from` counts in 400 ms (150 ms intervals), summed. */
async function countFrom(log: string, from: { inode: bigint; offset: number; tailSha256?: string }): Promise<{ start: string | undefined; total: number; fivexx: number; rotations: number; unread: string[] }> {
  const got: StatusCounts[] = [];
  const abort = new AbortController();
  const running = streamStatusCounts({ path: log, intervalMs: 150, from, send: (c) => got.push(c), signal: abort.signal });
  await new Promise((r) => setTimeout(r, 400));
  abort.abort();
  await running;
  return { start: got[0]?.start, total: got.reduce((n, c) => n + (c.total ?? 0), 0), fivexx: got.reduce((n, c) => n + (c.by_class?.['5xx'] ?? 0), 0), rotations: got.flatMap((c) => c.rotations ?? []).length, unread: got.flatMap((c) => c.unread ?? []) };
}

/** A tail started and polled once with 'a1' written, then 'a2' written: what a rotation before the next poll must not lose. */
async function tailingA(t: TestContext): Promise<ReturnType<typeof setup>> {
  const tail = setup(t);
  await tail.tailer.start();
  appendFileSync(tail.log, 'a1\n');
  await tail.tailer.poll();
  appendFileSync(tail.log, 'a2\n');
  return tail;
}

/** A log of its own holding `before`, the switch's position (as the agent records it) at its end, then a 500 and a 502 past it. */
async function logPastThePosition(t: TestContext, before: string) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'access.log');
  writeFileSync(log, before);
  const pos = await accessLogPosition(log);
  const line = (s: number) => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET / HTTP/1.1" ${s} 1 "-" "ua"\n`;
  appendFileSync(log, line(500) + line(502));
  return { log, from: { inode: BigInt(pos.inode), offset: pos.offset, tailSha256: pos.tail_sha256 } };
}

test('starts at the end of the file and hands over only complete lines', async (t) => {
  const { log, lines, tailer } = setup(t);
  await tailer.start();
  await tailer.poll();
  assert.deepEqual(lines, [], 'lines before the start are history, not traffic');
  appendFileSync(log, 'a\r\nb\npart');
  await tailer.poll();
  assert.deepEqual(lines, ['a', 'b']);
  appendFileSync(log, 'ial\n');
  await tailer.poll();
  assert.deepEqual(lines, ['a', 'b', 'partial']);
});

test('rename rotation: the rest of the old file is read, then the new file from its start', async (t) => {
  const { log, lines, rotations, tailer } = setup(t);
  await tailer.start();
  appendFileSync(log, 'before\n');
  await tailer.poll();
  // The server writes to the old inode until it reopens; logrotate renames meanwhile.
  appendFileSync(log, 'late write to old\n');
  renameSync(log, `${log}.1`);
  appendFileSync(`${log}.1`, 'still old, no newline');
  await tailer.poll();
  assert.deepEqual(rotations, ['rename']);
  assert.deepEqual(lines, ['before', 'late write to old', 'still old, no newline']);
  // The new file appears after the poll that saw the old one go: read from its first byte.
  writeFileSync(log, 'new 1\n');
  await tailer.poll();
  appendFileSync(log, 'new 2\n');
  await tailer.poll();
  assert.deepEqual(lines.slice(3), ['new 1', 'new 2']);
  // The rotated file is not followed any more.
  appendFileSync(`${log}.1`, 'ignored\n');
  await tailer.poll();
  assert.deepEqual(lines.slice(3), ['new 1', 'new 2']);
});

test('rename with the new file already in place at the next poll (create option)', async (t) => {
  const { log, lines, rotations, tailer } = setup(t);
  await tailer.start();
  appendFileSync(log, 'x1\n');
  renameSync(log, `${log}.1`);
  writeFileSync(log, 'y1\ny2\n');
  await tailer.poll();
  assert.deepEqual(rotations, ['rename']);
  assert.deepEqual(lines, ['x1', 'y1', 'y2']);
});

test('copytruncate: the shrunken file is read again from offset 0', async (t) => {
  const { log, lines, rotations, tailer } = setup(t);
  await tailer.start();
  appendFileSync(log, 'one\ntwo\n');
  await tailer.poll();
  copyFileSync(log, `${log}.1`);
  truncateSync(log, 0);
  appendFileSync(log, 'three\n');
  await tailer.poll();
  assert.deepEqual(rotations, ['truncate']);
  assert.deepEqual(lines, ['one', 'two', 'three']);
  appendFileSync(log, 'four\n');
  await tailer.poll();
  assert.deepEqual(lines, ['one', 'two', 'three', 'four']);
});

test('a deleted log that comes back later is picked up', async (t) => {
  const { log, lines, tailer } = setup(t);
  await tailer.start();
  unlinkSync(log);
  await tailer.poll();
  await tailer.poll();
  writeFileSync(log, 'back\n');
  await tailer.poll();
  assert.deepEqual(lines, ['back']);
});

test('the stream sends one count per interval across a rotation, and refuses a missing log', async (t) => {
  const { dir, log } = setup(t);
  const got: StatusCounts[] = [];
  const abort = new AbortController();
  const running = streamStatusCounts({ path: log, intervalMs: 150, send: (c) => got.push(c), signal: abort.signal });
  const line = (s: number) => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET / HTTP/1.1" ${s} 1 "-" "ua"\n`;
  await new Promise((r) => setTimeout(r, 50));
  appendFileSync(log, line(200) + line(500));
  renameSync(log, `${log}.1`);
  writeFileSync(log, line(502) + 'garbage\n');
  await new Promise((r) => setTimeout(r, 500));
  abort.abort();
  await running;
  assert.ok(got.length >= 2, `intervals sent: ${got.length}`);
  const sum = (k: string) => got.reduce((n, c) => n + (c.by_class?.[k] ?? 0), 0);
  assert.equal(got.reduce((n, c) => n + (c.total ?? 0), 0), 3);
  assert.equal(sum('5xx'), 2);
  assert.equal(sum('2xx'), 1);
  assert.equal(got.reduce((n, c) => n + (c.unparsed ?? 0), 0), 1);
  assert.deepEqual(got.flatMap((c) => c.rotations ?? []), ['rename']);

  await assert.rejects(
    streamStatusCounts({ path: join(dir, 'nope.log'), intervalMs: 100, send: () => undefined, signal: new AbortController().signal }),
    (err: unknown) => err instanceof SwitchyardError && err.code === 'SY_PRECONDITION' && /no such file/.test(err.message),
  );
});

test('resume: from an earlier position in the same file, in a file since truncated, or at the end (and says why) when that file is gone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'access.log');
  writeFileSync(log, 'old 1\nold 2\n');
  const { statSync } = await import('node:fs');
  const at = () => ({ ino: statSync(log, { bigint: true }).ino, offset: Number(statSync(log).size), rotatedPaths: [`${log}.1`] });
  const tail = async (resume: ReturnType<typeof at>) => {
    const lines: string[] = [];
    const rotations: Rotation[] = [];
    const tailer = new LogTailer(log, { onLines: (l) => lines.push(...l), onRotate: (k) => rotations.push(k), pollMs: 60_000, resume });
    t.after(() => tailer.close());
    const started = await tailer.start();
    await tailer.poll();
    return { started, lines, rotations };
  };

  const here = at();
  appendFileSync(log, 'since 1\n');
  const same = await tail(here);
  assert.equal(same.started, 'position');
  assert.deepEqual(same.lines, ['since 1']);

  const before = at();
  truncateSync(log, 0);
  writeFileSync(log, 'after truncate\n');
  const truncated = await tail(before);
  assert.equal(truncated.started, 'position');
  assert.deepEqual(truncated.lines, ['after truncate']);
  assert.deepEqual(truncated.rotations, ['truncate']);

  const gone = at();
  // Rotated under a name the agent does not look for (dateext): kept, so its inode is not reused.
  renameSync(log, `${log}-20300101`);
  writeFileSync(log, 'new file\n');
  const lost = await tail(gone);
  assert.match(lost.started, /^end: the log at that position \(inode \d+\) is neither .*access\.log nor .*access\.log\.1 any more$/);
  assert.deepEqual(lost.lines, []);
});

test('resuming from the switch finds the log rotated away by inode under any name (dateext, delaycompress), and says why when none matches', async (t) => {
  const { statSync } = await import('node:fs');
  const line = (s: number) => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET / HTTP/1.1" ${s} 1 "-" "ua"\n`;
  /** Rotates the log with `rotate` after taking the position, then streams from it: what was counted and where it started. */
  const resumeAfter = async (rotate: (log: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-tail-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const log = join(dir, 'access.log');
    writeFileSync(log, line(200));
    const from = { inode: statSync(log, { bigint: true }).ino, offset: statSync(log).size };
    appendFileSync(log, line(500) + line(502));
    rotate(log);
    appendFileSync(log, line(200));
    const { start, total, fivexx } = await countFrom(log, from);
    return { start, total, fivexx };
  };

  // dateext: access.log-YYYYMMDD, with an older compressed one beside it.
  const dateext = await resumeAfter((log) => {
    writeFileSync(`${log}-20301230.gz`, 'not a log');
    renameSync(log, `${log}-20301231`);
    writeFileSync(log, '');
  });
  assert.deepEqual(dateext, { start: 'position', total: 3, fivexx: 2 });

  // delaycompress after an earlier rotation: .1 is compressed into .2.gz and the log becomes .1 again.
  const delayed = await resumeAfter((log) => {
    writeFileSync(`${log}.2.gz`, 'not a log');
    renameSync(log, `${log}.1`);
    writeFileSync(log, '');
  });
  assert.deepEqual(delayed, { start: 'position', total: 3, fivexx: 2 });

  // Compressed at once: the position's file is gone (moved elsewhere here, so its inode is not
  // reused by the new log); counted from the end, with the reason.
  const lost = await resumeAfter((log) => {
    mkdirSync(join(log, '..', 'elsewhere'));
    renameSync(log, join(log, '..', 'elsewhere', 'access.log-20301231'));
    writeFileSync(`${log}-20301231.gz`, 'compressed');
    writeFileSync(log, '');
  });
  assert.equal(lost.total, 0);
  assert.match(lost.start ?? '', /^end: the log at that position \(inode \d+\) is neither .*access\.log nor any uncompressed .*access\.log\.\* or .*access\.log-\* beside it any more$/);
});

test('rotated twice since the switch: the file in between is read whole (plain or gzip), an older one is not, and one it cannot read is named', async (t) => {
  const { statSync, utimesSync } = await import('node:fs');
  const { gzipSync } = await import('node:zlib');
  const line = (s: number) => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET / HTTP/1.1" ${s} 1 "-" "ua"\n`;
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
  /** The switch's position in A; then A is rotated, B takes its place and is rotated in turn by `second`. */
  const twice = async (second: (log: string, b: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-tail-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const log = join(dir, 'access.log');
    // From before the switch, full of errors: not the site's traffic since.
    writeFileSync(`${log}-20301229`, line(500).repeat(20));
    utimesSync(`${log}-20301229`, hoursAgo(30), hoursAgo(30));
    writeFileSync(log, line(200));
    const from = { inode: statSync(log, { bigint: true }).ino, offset: statSync(log).size };
    appendFileSync(log, line(500));
    utimesSync(log, hoursAgo(3), hoursAgo(3));
    renameSync(log, `${log}-20301230`);
    writeFileSync(log, line(503) + line(200) + line(200));
    utimesSync(log, hoursAgo(2), hoursAgo(2));
    second(log, `${log}-20301231`);
    writeFileSync(log, line(204));
    return countFrom(log, from);
  };

  // dateext without compression: A is access.log-20301230, B access.log-20301231.
  const plain = await twice((log, b) => renameSync(log, b));
  assert.deepEqual(plain, { start: 'position', total: 5, fivexx: 2, rotations: 2, unread: [] });

  // Live siblings that are no rotation (another format's log, an admin's copy), written since: not counted.
  const siblings = await twice((log, b) => {
    renameSync(log, b);
    writeFileSync(`${log}-json`, line(500).repeat(7));
    writeFileSync(`${log}.bak`, line(502).repeat(3));
  });
  assert.deepEqual(siblings, { start: 'position', total: 5, fivexx: 2, rotations: 2, unread: [] });

  // B compressed at once (gzip keeps its mtime, as logrotate does).
  const gz = await twice((log, b) => {
    writeFileSync(`${b}.gz`, gzipSync(readFileSync(log)));
    utimesSync(`${b}.gz`, hoursAgo(2), hoursAgo(2));
    unlinkSync(log);
  });
  assert.deepEqual(gz, { start: 'position', total: 5, fivexx: 2, rotations: 2, unread: [] });

  // Compressed by logrotate's compresscmd (xz, bzip2): read through the host's tool.
  for (const [suffix, tool] of [['xz', 'xz'], ['bz2', 'bzip2']] as const) {
    const other = await twice((log, b) => {
      runTool(tool, ['-z', log]);
      renameSync(`${log}.${suffix}`, `${b}.${suffix}`);
      utimesSync(`${b}.${suffix}`, hoursAgo(2), hoursAgo(2));
    });
    assert.deepEqual(other, { start: 'position', total: 5, fivexx: 2, rotations: 2, unread: [] }, suffix);
  }

  /** B replaced by a copy that is no `suffix` file at all. */
  const bogus = (suffix: string) =>
    twice((log, b) => {
      writeFileSync(`${b}.${suffix}`, `${suffix} bytes`);
      utimesSync(`${b}.${suffix}`, hoursAgo(2), hoursAgo(2));
      unlinkSync(log);
    });
  // Compressed with something the agent does not read: its lines are missing, and the counts say which file.
  const lz4 = await bogus('lz4');
  assert.equal(lz4.total, 2);
  assert.equal(lz4.unread.length, 1);
  assert.match(lz4.unread[0]!, /access\.log-20301231\.lz4: not read: 9 bytes compressed as \.lz4/);

  // xz gone from the host: the file is named with why, not skipped in silence.
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    const noTool = await bogus('xz');
    assert.equal(noTool.total, 2);
    assert.equal(noTool.unread.length, 1);
    assert.match(noTool.unread[0]!, /\/access\.log-20301231\.xz: not read: xz is not installed on the agent's host$/);
  } finally {
    process.env.PATH = path;
  }
});

test('rotated twice between two looks, the log xz\'d at once: placed by its content in the .xz, so the file after it is read even when stamped older', async (t) => {
  const { utimesSync } = await import('node:fs');
  const { log, lines, rotations, tailer } = await tailingA(t);
  // compress without delaycompress, compresscmd xz: the file the tail had open is gone, its lines in .1.xz.
  renameSync(log, `${log}.1`);
  runTool('xz', [`${log}.1`]);
  writeFileSync(log, 'b1\nb2\n');
  renameSync(`${log}.1.xz`, `${log}.2.xz`);
  renameSync(log, `${log}.1`);
  runTool('xz', [`${log}.1`]);
  writeFileSync(log, 'c1\n');
  // The file in between last written before the one the tail was reading (a clock stepped back):
  // by mtime it would be taken for older and skipped.
  const past = (s: number) => new Date(Date.now() - s * 1000);
  utimesSync(`${log}.1.xz`, past(600), past(600));
  await tailer.poll();
  assert.deepEqual(lines, ['a1', 'a2', 'b1', 'b2', 'c1']);
  assert.deepEqual(rotations, ['rename', 'rename']);
});

test('a log rotated away where its copies cannot be found (olddir): said, with the files taken by mtime, not guessed in silence', async (t) => {
  const { dir, log, lines, unplaced, tailer } = await tailingA(t);
  assert.deepEqual(unplaced, []);
  // logrotate's olddir: rotated copies go to another directory, where the tail does not look.
  mkdirSync(join(dir, 'old'));
  renameSync(log, join(dir, 'old', 'access.log.1'));
  writeFileSync(log, 'b1\n');
  await tailer.poll();
  assert.deepEqual(lines, ['a1', 'a2', 'b1']);
  assert.equal(unplaced.length, 1);
  assert.match(unplaced[0]!, /access\.log rotated away \(inode \d+\) was not found beside it \(moved elsewhere, deleted, or compressed past the newest 4 copies or as the agent cannot read\): the files rotated after it were taken by their mtime \(none\), so lines of a file in between may be missed or counted twice/);

  // A rotation placed as usual (.1 beside the log) says nothing.
  renameSync(log, `${log}.1`);
  writeFileSync(log, 'c1\n');
  await tailer.poll();
  assert.deepEqual(lines, ['a1', 'a2', 'b1', 'c1']);
  assert.equal(unplaced.length, 1);

  // The interval's counts carry it to the controller.
  const { StatusCounter } = await import('../../agent/monitor/status-counter.js');
  const counter = new StatusCounter(new Date());
  counter.unplaced(unplaced[0]!);
  assert.deepEqual(counter.take(new Date(), log).unplaced, [unplaced[0]]);
});

/** `s` seconds ago. */
const past = (s: number) => new Date(Date.now() - s * 1000);
/** Stamps `file` as last written (and read) at `when`. */
const stamp = (file: string, when: Date) => utimesSync(file, when, when);

/**
 * Tailing A, then A (last written 100 s ago) rotated away where the tail does not look (logrotate's
 * olddir), and beside the log a copy last written before it (.3, 200 s ago): not the file in between.
 */
async function rotatedAwayBesideAnOlderCopy(t: TestContext): Promise<ReturnType<typeof setup>> {
  const tail = await tailingA(t);
  stamp(tail.log, past(100));
  mkdirSync(join(tail.dir, 'old'));
  renameSync(tail.log, join(tail.dir, 'old', 'access.log.1'));
  writeFileSync(`${tail.log}.3`, 'ancient\n');
  stamp(`${tail.log}.3`, past(200));
  return tail;
}

test('a log rotated away where its copies cannot be found: the files taken by mtime are read in the order they were last written, by name for the same stamp', async (t) => {
  const { log, lines, unplaced, tailer } = await rotatedAwayBesideAnOlderCopy(t);
  // Beside the log: copies of both namings (the config changed), none of them the file rotated away.
  writeFileSync(`${log}-20261207`, 'd1\n');
  stamp(`${log}-20261207`, past(80));
  writeFileSync(`${log}.2`, 'n2\n');
  writeFileSync(`${log}.1`, 'n1\n');
  // The same stamp: by name, .2 (older) before .1. One Date for both: two calls of past() may fall in two milliseconds.
  const same = past(50);
  stamp(`${log}.1`, same);
  stamp(`${log}.2`, same);
  writeFileSync(log, 'c1\n');
  await tailer.poll();
  assert.deepEqual(lines, ['a1', 'a2', 'd1', 'n2', 'n1', 'c1']);
  assert.equal(unplaced.length, 1);
  assert.match(unplaced[0]!, /taken by their mtime \(access\.log-20261207, access\.log\.2, access\.log\.1\)/);
});

test('a log rotated away where its copies cannot be found: a copy and its compressed twin (compression under way) are read once, the plain one, by its own stamp', async (t) => {
  const { gzipSync } = await import('node:zlib');
  const { log, lines, unplaced, tailer } = await rotatedAwayBesideAnOlderCopy(t);
  writeFileSync(`${log}.2`, 'n2\n');
  stamp(`${log}.2`, past(60));
  writeFileSync(`${log}.1`, 'n1a\nn1b\n');
  stamp(`${log}.1`, past(50));
  // compresscmd writing twins now (new files, stamped as they are written), the plain copies not yet removed.
  writeFileSync(`${log}.1.gz`, gzipSync('n1a\nn1b\n'));
  writeFileSync(`${log}.3.gz`, gzipSync('ancient\n'));
  writeFileSync(log, 'c1\n');
  await tailer.poll();
  assert.deepEqual(lines, ['a1', 'a2', 'n2', 'n1a', 'n1b', 'c1'], 'each line of .1 and .2 once, none of .3 (last written before it, its twin stamped now)');
  assert.equal(unplaced.length, 1);
  assert.match(unplaced[0]!, /taken by their mtime \(access\.log\.2, access\.log\.1\)/);
});

test('zstd, as logrotate\'s compresscmd writes it: the log compressed at once since the switch, a file in between, copytruncate\'s copy compressed at once', async (t) => {
  const { utimesSync } = await import('node:fs');
  const line = (s: number, path = '/') => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET ${path} HTTP/1.1" ${s} 1 "-" "ua"\n`;
  const zstd = (file: string, to: string) => compressLikeLogrotate('zstd', file, to, ['-q']);

  // Rotated since the switch, compressed at once (no delaycompress): found by the bytes before the position in .1.zst.
  {
    const { log, from } = await logPastThePosition(t, line(200, '/a') + line(200, '/b'));
    utimesSync(log, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    renameSync(log, `${log}.1`);
    zstd(`${log}.1`, `${log}.1.zst`);
    writeFileSync(log, line(200) + line(204));
    const counted = await countFrom(log, from);
    assert.deepEqual(counted, { start: 'position', total: 4, fivexx: 2, rotations: 1, unread: [] });
  }

  // Rotated twice between two looks, each compressed at once: the file in between is read from its .zst.
  {
    const { log, lines, rotations, tailer } = await tailingA(t);
    renameSync(log, `${log}.1`);
    zstd(`${log}.1`, `${log}.1.zst`);
    writeFileSync(log, 'b1\nb2\n');
    renameSync(`${log}.1.zst`, `${log}.2.zst`);
    renameSync(log, `${log}.1`);
    zstd(`${log}.1`, `${log}.1.zst`);
    writeFileSync(log, 'c1\n');
    await tailer.poll();
    assert.deepEqual(lines, ['a1', 'a2', 'b1', 'b2', 'c1']);
    assert.deepEqual(rotations, ['rename', 'rename']);
  }

  // copytruncate with compress: the lines after the last read are only in the copy, zstd'd before the next look.
  {
    const { log, lines, rotations, tailer } = await tailingA(t);
    copyFileSync(log, `${log}.1`);
    truncateSync(log, 0);
    zstd(`${log}.1`, `${log}.1.zst`);
    appendFileSync(log, 'b1\n');
    await tailer.poll();
    assert.deepEqual(lines, ['a1', 'a2', 'b1']);
    assert.deepEqual(rotations, ['truncate']);
  }
});

test('rotated twice since the switch with delaycompress: the log, gzip\'d since, is found by the bytes before the position and read on from there', async (t) => {
  const { statSync, utimesSync } = await import('node:fs');
  const { gzipSync } = await import('node:zlib');
  const { accessLogPosition } = await import('../../agent/monitor/access-log-stream.js');
  const line = (s: number, path = '/') => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET ${path} HTTP/1.1" ${s} 1 "-" "ua"\n`;
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
  const gzipAway = (plain: string, gz: string) => {
    const mtime = statSync(plain).mtime;
    writeFileSync(gz, gzipSync(readFileSync(plain)));
    utimesSync(gz, mtime, mtime); // logrotate keeps the mtime when it compresses
    unlinkSync(plain);
  };
  const dir = mkdtempSync(join(tmpdir(), 'sy-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'access.log');
  // From before the switch: compressed, full of errors, the same size as A at the switch.
  writeFileSync(`${log}.3.gz`, gzipSync(line(500, '/x') + line(500, '/x') + line(500, '/x')));
  utimesSync(`${log}.3.gz`, hoursAgo(30), hoursAgo(30));
  writeFileSync(log, line(200, '/a') + line(200, '/b') + line(200, '/c'));
  const pos = await accessLogPosition(log);
  appendFileSync(log, line(500));
  utimesSync(log, hoursAgo(3), hoursAgo(3));
  renameSync(log, `${log}.1`); // first rotation (delaycompress: .1 stays plain)
  writeFileSync(log, line(503) + line(200) + line(200));
  utimesSync(log, hoursAgo(2), hoursAgo(2));
  gzipAway(`${log}.1`, `${log}.2.gz`); // second rotation: A is compressed, B becomes .1
  renameSync(log, `${log}.1`);
  writeFileSync(log, line(204));

  const stream = (from: { inode: bigint; offset: number; tailSha256?: string }) => countFrom(log, from);
  const from = { inode: BigInt(pos.inode), offset: pos.offset };
  assert.match(pos.tail_sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(await stream({ ...from, tailSha256: pos.tail_sha256 }), { start: 'position', total: 5, fivexx: 2, rotations: 2, unread: [] });
  // Neither the inode (1: no log's) nor the fingerprint is found: at the end, and why.
  const lost = await stream({ inode: 1n, offset: pos.offset, tailSha256: '0'.repeat(64) });
  assert.equal(lost.total, 0);
  assert.match(lost.start ?? '', /^end: .* nor one of the newest compressed copies beside it$/);
});

test('rotated since the switch and compressed at once by compresscmd (xz, bzip2): the log is found by the bytes before the position in its copy and read on from there', async (t) => {
  const { utimesSync } = await import('node:fs');
  const line = (s: number, path = '/') => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET ${path} HTTP/1.1" ${s} 1 "-" "ua"\n`;
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
  for (const [suffix, tool] of [['xz', 'xz'], ['bz2', 'bzip2']] as const) {
    const { log, from } = await logPastThePosition(t, line(200, '/a') + line(200, '/b'));
    utimesSync(log, hoursAgo(3), hoursAgo(3));
    // compress without delaycompress: A goes straight to .1.<suffix>, its inode freed.
    renameSync(log, `${log}.1`);
    runTool(tool, ['-z', `${log}.1`]);
    writeFileSync(log, line(200) + line(204));
    const counted = await countFrom(log, from);
    assert.deepEqual(counted, { start: 'position', total: 4, fivexx: 2, rotations: 1, unread: [] }, suffix);
  }
});

test('copytruncate since the switch: the lines after the position, now only in the copy, are counted before the truncated log', async (t) => {
  const line = (s: number) => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET / HTTP/1.1" ${s} 1 "-" "ua"\n`;
  const { log, from } = await logPastThePosition(t, line(200) + line(200));
  copyFileSync(log, `${log}.1`);
  truncateSync(log, 0);
  appendFileSync(log, line(200));
  const counted = await countFrom(log, from);
  assert.equal(counted.start, 'position');
  assert.equal(counted.total, 3);
  assert.equal(counted.fivexx, 2, 'the 5xx written before the copy are counted');
});

test('a log the agent cannot read after a rotation is said in the counts, not reported as a quiet interval', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'access.log');
  writeFileSync(log, '');
  const got: StatusCounts[] = [];
  const abort = new AbortController();
  const running = streamStatusCounts({ path: log, intervalMs: 150, send: (c) => got.push(c), signal: abort.signal });
  await new Promise((r) => setTimeout(r, 50));
  // Rotated, and what takes the log's place cannot be read (as a file created with permissions
  // the agent lacks; a directory here, since the tests may run as root).
  renameSync(log, `${log}.1`);
  mkdirSync(log);
  await new Promise((r) => setTimeout(r, 500));
  abort.abort();
  await running;
  const errors = got.map((c) => c.read_error ?? '').filter((e) => e !== '');
  assert.ok(errors.length >= 2, `intervals with a read error: ${errors.length} of ${got.length}`);
  assert.match(errors[0]!, /EISDIR/);
});

test('a line too long to keep is told once, its end not taken for a line, and one ending right where it was dropped does not vanish', async (t) => {
  const { log, lines, tailer } = setup(t);
  let oversized = 0;
  const long = new LogTailer(log, { onLines: (l) => lines.push(...l), onOversized: () => oversized++, pollMs: 60_000 });
  t.after(() => long.close());
  await tailer.close();
  await long.start();
  // Over the limit by more than a read: dropped, then its end (the status among it) arrives alone.
  appendFileSync(log, `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET /${'a'.repeat(200 * 1024)} HTTP/1.1" 500 1 "-" "ua"\n`);
  await long.poll();
  // Exactly two reads long, dropped at the second's end; its newline comes with the next poll.
  appendFileSync(log, 'b'.repeat(128 * 1024));
  await long.poll();
  appendFileSync(log, '\nnext\n');
  await long.poll();
  assert.equal(oversized, 2);
  assert.deepEqual(lines, ['next']);

  const { StatusCounter } = await import('../../agent/monitor/status-counter.js');
  const c = new StatusCounter();
  c.oversized();
  assert.equal(c.take(new Date(), log).unparsed, 1, 'counted with the lines that could not be parsed');
});

test('rotated twice between two looks (numbered names shift): the file in between is read whole, in order', async (t) => {
  const { utimesSync } = await import('node:fs');
  const { log, lines, rotations, tailer } = await tailingA(t);
  const past = (s: number) => new Date(Date.now() - s * 1000);
  utimesSync(log, past(20), past(20));
  renameSync(log, `${log}.1`);
  writeFileSync(log, 'b1\nb2\n');
  utimesSync(log, past(10), past(10));
  // The second rotation shifts .1 to .2 and the log to .1.
  renameSync(`${log}.1`, `${log}.2`);
  renameSync(log, `${log}.1`);
  writeFileSync(log, 'c1\n');
  await tailer.poll();
  assert.deepEqual(lines, ['a1', 'a2', 'b1', 'b2', 'c1']);
  assert.deepEqual(rotations, ['rename', 'rename']);
});

test('copytruncate between two looks: the lines written after the last read are read from the copy (dateext name), once', async (t) => {
  const { log, lines, rotations, tailer } = setup(t);
  await tailer.start();
  appendFileSync(log, 'one\n');
  await tailer.poll();
  // Written after the last look, then copied away and truncated: only the copy holds it now.
  appendFileSync(log, 'two, only in the copy\n');
  copyFileSync(log, `${log}-20261207`);
  truncateSync(log, 0);
  appendFileSync(log, 'three\n');
  await tailer.poll();
  assert.deepEqual(lines, ['one', 'two, only in the copy', 'three']);
  assert.deepEqual(rotations, ['truncate']);
  appendFileSync(log, 'four\n');
  appendFileSync(`${log}-20261207`, 'not the log any more\n');
  await tailer.poll();
  assert.deepEqual(lines, ['one', 'two, only in the copy', 'three', 'four']);
});

test('copytruncate and the log written past the old offset before the next look: told by the bytes before it, not taken for growth', async (t) => {
  const { log, lines, rotations, tailer } = setup(t);
  await tailer.start();
  appendFileSync(log, 'a\n');
  await tailer.poll();
  appendFileSync(log, 'b\n');
  copyFileSync(log, `${log}.1`);
  truncateSync(log, 0);
  // Longer than everything read so far: by size alone the file only grew.
  appendFileSync(log, 'after the truncate, a long line\nand more\n');
  await tailer.poll();
  assert.deepEqual(rotations, ['truncate']);
  assert.deepEqual(lines, ['a', 'b', 'after the truncate, a long line', 'and more']);
});

test('rotated twice between two looks: the file in between is told by its name, not its mtime (an older copy touched since, the newer one stamped older)', async (t) => {
  const { utimesSync } = await import('node:fs');
  const { log, lines, rotations, tailer } = setup(t);
  // From before the tail began; a backup tool touched it since.
  writeFileSync(`${log}-20261201`, 'ancient 1\nancient 2\n');
  await tailer.start();
  appendFileSync(log, 'a1\n');
  await tailer.poll();
  appendFileSync(log, 'a2\n');
  renameSync(log, `${log}-20261206`);
  writeFileSync(log, 'b1\n');
  renameSync(log, `${log}-20261207`);
  writeFileSync(log, 'c1\n');
  const past = (s: number) => new Date(Date.now() - s * 1000);
  // The file in between last written before the one the tail was reading (a clock stepped back, a copy that kept an old stamp).
  utimesSync(`${log}-20261206`, past(60), past(60));
  utimesSync(`${log}-20261207`, past(120), past(120));
  utimesSync(`${log}-20261201`, new Date(), new Date());
  await tailer.poll();
  assert.deepEqual(lines, ['a1', 'a2', 'b1', 'c1']);
  assert.deepEqual(rotations, ['rename', 'rename']);
});

test('resumed after copytruncate twice with dateext: read on from the copy holding the position, then the later copy, never an older copy touched since', async (t) => {
  const { utimesSync } = await import('node:fs');
  const { accessLogPosition } = await import('../../agent/monitor/access-log-stream.js');
  const line = (s: number, path = '/') => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET ${path} HTTP/1.1" ${s} 1 "-" "ua"\n`;
  const dir = mkdtempSync(join(tmpdir(), 'sy-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'access.log');
  writeFileSync(`${log}-20261201`, line(500, '/old').repeat(9));
  writeFileSync(log, line(200) + line(200));
  const pos = await accessLogPosition(log);
  appendFileSync(log, line(500) + line(502));
  copyFileSync(log, `${log}-20261206`);
  truncateSync(log, 0);
  appendFileSync(log, line(503) + line(200));
  copyFileSync(log, `${log}-20261207`);
  truncateSync(log, 0);
  appendFileSync(log, line(204));
  // Stamps that say nothing of the order: the older copy touched last, the later copy stamped first.
  const ago = (s: number) => new Date(Date.now() - s * 1000);
  utimesSync(`${log}-20261207`, ago(300), ago(300));
  utimesSync(`${log}-20261206`, ago(200), ago(200));
  const got: StatusCounts[] = [];
  const abort = new AbortController();
  const running = streamStatusCounts({ path: log, intervalMs: 150, from: { inode: BigInt(pos.inode), offset: pos.offset, tailSha256: pos.tail_sha256 }, send: (c) => got.push(c), signal: abort.signal });
  await new Promise((r) => setTimeout(r, 400));
  abort.abort();
  await running;
  assert.equal(got[0]?.start, 'position');
  const sum = (k: string) => got.reduce((n, c) => n + (c.by_class?.[k] ?? 0), 0);
  assert.equal(got.reduce((n, c) => n + (c.total ?? 0), 0), 5, 'the 2 after the position, the 2 of the later copy, the live one');
  assert.equal(sum('5xx'), 3);
  assert.equal(sum('2xx'), 2);
});

test('rotated twice between two looks as logrotate\'s naming changed (dateext to .N): the file in between, named the new way, is read, old copies of that naming are not, and the mtime guess is said', async (t) => {
  const { utimesSync } = await import('node:fs');
  const { log, lines, unplaced, tailer } = await tailingA(t);
  const past = (s: number) => new Date(Date.now() - s * 1000);
  // Left from a time the naming was .N, long ago; .3 touched since by a backup tool.
  writeFileSync(`${log}.2`, 'ancient 2\n');
  writeFileSync(`${log}.3`, 'ancient 3\n');
  utimesSync(`${log}.2`, past(86_400 * 30), past(86_400 * 30));
  writeFileSync(`${log}-20261206`, 'older day\n');
  utimesSync(`${log}-20261206`, past(86_400), past(86_400));
  utimesSync(log, past(20), past(20));
  renameSync(log, `${log}-20261207`);
  writeFileSync(log, 'b1\n');
  utimesSync(log, past(10), past(10));
  // dateext dropped from the config: the next rotation names the log .1.
  renameSync(log, `${log}.1`);
  writeFileSync(log, 'c1\n');
  await tailer.poll();
  assert.deepEqual(lines, ['a1', 'a2', 'b1', 'c1']);
  assert.equal(unplaced.length, 1);
  assert.match(unplaced[0]!, /^access\.log\.1 named unlike access\.log-20261207 \(logrotate's naming changed\?\): taken as rotated after it by their mtime, so lines of a file in between may be missed or counted twice$/);
});

test('rotated twice as logrotate\'s naming changed, the copies named the new way stamped against their order (.2 touched since): read by name, .2 before .1, so a tail resumed where they end reads neither again', async (t) => {
  const { utimesSync } = await import('node:fs');
  const { rotatedSiblings } = await import('../../agent/monitor/rotated-logs.js');
  const { log, lines, unplaced, tailer } = await tailingA(t);
  const past = (s: number) => new Date(Date.now() - s * 1000);
  utimesSync(log, past(30), past(30));
  renameSync(log, `${log}-20261207`);
  writeFileSync(log, 'b1\n');
  // dateext dropped: .1, then .1 shifted to .2 and the log to .1; nocreate, the server not reopened yet.
  renameSync(log, `${log}.1`);
  writeFileSync(log, 'c1\n');
  renameSync(`${log}.1`, `${log}.2`);
  renameSync(log, `${log}.1`);
  utimesSync(`${log}.1`, past(10), past(10));
  utimesSync(`${log}.2`, past(5), past(5)); // a backup tool touched it: by mtime the newest
  await tailer.poll();
  assert.deepEqual(lines, ['a1', 'a2', 'b1', 'c1'], 'in the order logrotate rotated them');
  assert.match(unplaced[0] ?? '', /^access\.log\.2, access\.log\.1 named unlike access\.log-20261207/);
  // Where the lines end, with no log to open yet: the end of .1, the newest by name.
  const at = await tailer.snapshot((p) => p);
  await tailer.close();
  writeFileSync(log, 'd1\n');
  const again: string[] = [];
  const resumed = new LogTailer(log, { onLines: (l) => again.push(...l), pollMs: 60_000, resume: { ino: at!.ino, dev: at!.dev, offset: at!.offset, tailSha256: at!.tailSha256, rotatedPaths: await rotatedSiblings(log) } });
  t.after(() => resumed.close());
  assert.equal(await resumed.start(), 'position');
  await resumed.poll();
  assert.deepEqual(again, ['d1'], 'the copies read before the position are not read again');
});

/** A tail on `access.log`, a symlink to `access.log-20261207` (the dated file the server writes), polled once with 'a1' written, then 'a2' written. */
async function tailingLink(t: TestContext): Promise<{ dir: string; log: string; lines: string[]; rotations: Rotation[]; unplaced: string[]; tailer: LogTailer }> {
  const { symlinkSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'sy-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'access.log');
  writeFileSync(`${log}-20261206`, 'older day\n');
  writeFileSync(`${log}-20261207`, 'before the tail\n');
  symlinkSync('access.log-20261207', log);
  const lines: string[] = [];
  const rotations: Rotation[] = [];
  const unplaced: string[] = [];
  const tailer = new LogTailer(log, { onLines: (l) => lines.push(...l), onRotate: (k) => rotations.push(k), onUnplaced: (why) => unplaced.push(why), pollMs: 60_000 });
  t.after(() => tailer.close());
  await tailer.start();
  appendFileSync(log, 'a1\n');
  await tailer.poll();
  appendFileSync(log, 'a2\n');
  return { dir, log, lines, rotations, unplaced, tailer };
}

/** `ln -sfn target link` as one step: a new link renamed over the old one. */
async function repoint(log: string, target: string): Promise<void> {
  const { symlinkSync } = await import('node:fs');
  symlinkSync(target, `${log}.new-link`);
  renameSync(`${log}.new-link`, log);
}

test('a log that is a symlink re-pointed to the next dated file (once, or twice between two looks): the old file read to its end, the one in between whole, each line once', async (t) => {
  const { log, lines, rotations, unplaced, tailer } = await tailingLink(t);
  writeFileSync(`${log}-20261208`, 'b1\n');
  await repoint(log, 'access.log-20261208');
  await tailer.poll();
  appendFileSync(log, 'b2\n');
  await tailer.poll();
  assert.deepEqual(lines, ['a1', 'a2', 'b1', 'b2']);
  assert.deepEqual(rotations, ['rename']);
  // Twice before the next look: -20261209 in between, read whole; the older days are not.
  appendFileSync(log, 'b3\n');
  writeFileSync(`${log}-20261209`, 'c1\n');
  await repoint(log, 'access.log-20261209');
  appendFileSync(`${log}-20261209`, 'c2\n');
  writeFileSync(`${log}-20261210`, 'd1\n');
  await repoint(log, 'access.log-20261210');
  await tailer.poll();
  assert.deepEqual(lines, ['a1', 'a2', 'b1', 'b2', 'b3', 'c1', 'c2', 'd1']);
  assert.deepEqual(rotations, ['rename', 'rename', 'rename']);
  assert.deepEqual(unplaced, [], 'each dated file is placed by its name');
});

test('a log that is a symlink re-pointed in two steps (rm, ln -s) with a look in between: the next dated file, read whole then, is read on where that read ended, not again; the same file linked back is too', async (t) => {
  const { symlinkSync } = await import('node:fs');
  const { log, lines, tailer } = await tailingLink(t);
  writeFileSync(`${log}-20261208`, 'b1\n');
  unlinkSync(log);
  // No log at this look: -20261208, newer by name than the file rotated away, is read as rotated after it.
  await tailer.poll();
  assert.deepEqual(lines, ['a1', 'a2', 'b1']);
  symlinkSync('access.log-20261208', log);
  appendFileSync(log, 'b2\n');
  await tailer.poll();
  assert.deepEqual(lines, ['a1', 'a2', 'b1', 'b2'], 'b1 once');
  // A config tool asserting the link: removed and made again to the same file between two looks.
  appendFileSync(log, 'b3\n');
  await tailer.poll();
  unlinkSync(log);
  await tailer.poll();
  symlinkSync('access.log-20261208', log);
  appendFileSync(log, 'b4\n');
  await tailer.poll();
  assert.deepEqual(lines, ['a1', 'a2', 'b1', 'b2', 'b3', 'b4'], 'the file linked back is not read again from its start');
});

test('resumed from the switch on a log that is a symlink, re-pointed twice since: read on from the position in the old dated file, the one in between whole, then the current one', async (t) => {
  const { symlinkSync } = await import('node:fs');
  const { accessLogPosition } = await import('../../agent/monitor/access-log-stream.js');
  const line = (s: number) => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET / HTTP/1.1" ${s} 1 "-" "ua"\n`;
  const dir = mkdtempSync(join(tmpdir(), 'sy-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'access.log');
  writeFileSync(`${log}-20261206`, line(500).repeat(5));
  writeFileSync(`${log}-20261207`, line(200).repeat(3));
  symlinkSync('access.log-20261207', log);
  const pos = await accessLogPosition(log);
  appendFileSync(log, line(502));
  writeFileSync(`${log}-20261208`, line(503) + line(200));
  await repoint(log, 'access.log-20261208');
  writeFileSync(`${log}-20261209`, line(204));
  await repoint(log, 'access.log-20261209');
  const got = await countFrom(log, { inode: BigInt(pos.inode), offset: pos.offset, tailSha256: pos.tail_sha256 });
  assert.equal(got.start, 'position');
  assert.equal(got.total, 4, 'the one after the position, the 2 of -20261208, the current one');
  assert.equal(got.fivexx, 2);
});

test('rotatedAfter: by name in the anchor\'s naming, the other naming from past the newest copy last written before it, a compressed twin once', async () => {
  const { rotatedAfter, rotationAge } = await import('../../agent/monitor/rotated-logs.js');
  let ino = 10n;
  const file = (name: string, mtime: number) => ({ path: `/l/${name}`, ino: ino++, size: 1n, mtimeNs: BigInt(mtime), compressed: /\.gz$/.test(name) ? 'gz' : null, age: rotationAge('/l/access.log', name) });
  // In rotatedFiles' order: numbered (oldest first), then dated (oldest first); a plain copy before its twin.
  const n3 = file('access.log.3', 50);
  const n2 = file('access.log.2', 90);
  const n1 = file('access.log.1', 200);
  const n1gz = file('access.log.1.gz', 200);
  const d5 = file('access.log-20261205', 300);
  const d6 = file('access.log-20261206', 20);
  const d7 = file('access.log-20261207', 400);
  const d7gz = file('access.log-20261207.gz', 400);
  const files = [n3, n2, n1, n1gz, d5, d6, d7, d7gz];
  // Anchor .2 (written at 100): .1 by name, once; of the dated, past -20261206 (written before it): -20261207 once.
  const fromN2 = rotatedAfter(files, { ...n2, mtimeNs: 100n }, [n2.ino]);
  assert.deepEqual(fromN2.files.map((f) => f.path), ['/l/access.log.1', '/l/access.log-20261207']);
  assert.deepEqual(fromN2.byMtime.map((f) => f.path), ['/l/access.log-20261207']);
  // Anchor -20261205: -20261206 and -20261207 by name (mtime aside), the numbered all last written before it.
  const fromD5 = rotatedAfter(files, d5, [d5.ino]);
  assert.deepEqual(fromD5.files.map((f) => f.path), ['/l/access.log-20261206', '/l/access.log-20261207']);
  assert.deepEqual(fromD5.byMtime, []);
});

test('logrotate names are put in order by name: .N counts up with age, a date suffix counts down', async () => {
  const { rotationAge, compareAge } = await import('../../agent/monitor/rotated-logs.js');
  const age = (n: string) => rotationAge('/var/log/access.log', n);
  assert.ok(compareAge(age('access.log.2.gz'), age('access.log.1'))! < 0, '.2.gz is older than .1');
  assert.ok(compareAge(age('access.log.10'), age('access.log.9'))! < 0, 'by number, not by text');
  assert.ok(compareAge(age('access.log-20261206'), age('access.log-20261207.gz'))! < 0);
  assert.ok(compareAge(age('access.log.2026-11-30'), age('access.log.2026-12-01'))! < 0);
  assert.equal(compareAge(age('access.log.1'), age('access.log.1.gz')), 0, 'a copy and its compressed twin');
  assert.equal(compareAge(age('access.log.1'), age('access.log-20261207')), undefined, 'two schemes are not placed against each other');
  assert.deepEqual(age('access.log.20261207'), { scheme: 'date', key: '20261207' }, 'eight digits after a dot are a date');
});

test('a line over 64 KiB that a tail reads part of, then a tail resumed from its position reads the rest of: counted once, its rest not a line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'access.log');
  writeFileSync(log, 'before\n');
  const { StatusCounter } = await import('../../agent/monitor/status-counter.js');
  const counter = new StatusCounter();
  const lines: string[] = [];
  const tailer = (resume?: { ino: bigint; offset: number; tailSha256: string }) =>
    new LogTailer(log, { onLines: (l) => { lines.push(...l); counter.addLines(l); }, onOversized: () => counter.oversized(), pollMs: 60_000, ...(resume === undefined ? {} : { resume: { ...resume, rotatedPaths: [] } }) });
  const first = tailer();
  await first.start();
  const head = `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET /${'a'.repeat(100 * 1024)}`;
  appendFileSync(log, head);
  await first.poll();
  const at = await first.snapshot((p) => p);
  await first.close();
  // The stream broke there; the rest of the line is written, and a tail resumed from the counts' position goes on.
  appendFileSync(log, ` HTTP/1.1" 500 1 "-" "ua"\nnext\n`);
  const second = tailer({ ino: at!.ino, offset: at!.offset, tailSha256: at!.tailSha256 });
  assert.equal(await second.start(), 'position');
  await second.poll();
  await second.close();
  assert.deepEqual(lines, ['next'], 'the rest of the long line is no line of its own');
  assert.equal(counter.take(new Date(), log).unparsed, 2, 'the long line once, and "next"');
});

test('a line over 64 KiB cut by a rotation or a truncation is counted once as unparsed, not dropped in silence', async (t) => {
  const { log, lines, tailer } = setup(t);
  let oversized = 0;
  const long = new LogTailer(log, { onLines: (l) => lines.push(...l), onOversized: () => oversized++, pollMs: 60_000 });
  t.after(() => long.close());
  await tailer.close();
  await long.start();
  appendFileSync(log, 'x'.repeat(100 * 1024));
  await long.poll();
  renameSync(log, `${log}.1`);
  writeFileSync(log, 'y'.repeat(100 * 1024));
  await long.poll();
  assert.equal(oversized, 1, 'the one the rotated file ended inside');
  truncateSync(log, 0);
  appendFileSync(log, 'z\n');
  await long.poll();
  assert.equal(oversized, 2, 'and the one the truncation cut');
  assert.deepEqual(lines, ['z']);
});
