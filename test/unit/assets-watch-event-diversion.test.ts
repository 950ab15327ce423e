// The watcher thread's fs.watch wrapper: a directory watch's 'change' about a child goes to the
// agent, not to chokidar (which would re-read the whole directory for it); creations, removals
// and a file watch's own events still reach the listener — except while muted (a pull writing),
// after which each directory with creations or removals, and each file with events of its own,
// is heard of once. chokidar calls fs.watch through an ESM named import, so that is what these
// watches use too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { divertWatchEvents } from '../../agent/assets/watch-event-diversion.js';

type Seen = Array<[string, string]>;

/** Watches `path` (through the possibly wrapped named import) until the test ends; events go into the list returned. */
function watching(t: { after: (fn: () => void) => void }, path: string): Seen {
  const seen: Seen = [];
  const w = watch(path, { persistent: false }, (event, name) => seen.push([event, String(name)]));
  t.after(() => w.close());
  return seen;
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await sleep(10);
  assert.ok(cond(), `timed out waiting for ${what}`);
}

test('divertWatchEvents: a child file changed in a watched directory goes to the diversion; a new entry and a file watch still reach their listeners; undo restores fs.watch', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-divert-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.jpg'), 'one');
  const original = watch;
  const diverted: string[] = [];
  const diversion = divertWatchEvents((paths) => diverted.push(...paths));
  t.after(diversion.undo);
  assert.notEqual(watch, original, 'the named import sees the wrapper (syncBuiltinESMExports)');

  const dirEvents = watching(t, dir);
  const fileEvents = watching(t, join(dir, 'a.jpg'));

  appendFileSync(join(dir, 'a.jpg'), 'two');
  await until('the diverted change', () => diverted.includes(join(dir, 'a.jpg')));
  await until("the file watch's own change", () => fileEvents.some(([e, n]) => e === 'change' && n === 'a.jpg'));
  writeFileSync(join(dir, 'b.jpg'), 'new');
  await until('the creation', () => dirEvents.some(([e, n]) => e === 'rename' && n === 'b.jpg'));
  assert.deepEqual(
    dirEvents.filter(([e, n]) => e === 'change' && n === 'a.jpg'),
    [],
    "the directory's listener never heard of a.jpg's change",
  );

  diversion.undo();
  assert.equal(watch, original, 'undone');
  const after = watching(t, dir);
  appendFileSync(join(dir, 'b.jpg'), 'more');
  await until('the change, undiverted', () => after.some(([e, n]) => e === 'change' && n === 'b.jpg'));
});

test('divertWatchEvents: muted, creations and removals are diverted too; unmute replays one event per directory that had any', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-divert-'));
  const other = mkdtempSync(join(tmpdir(), 'sy-divert-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
  });
  writeFileSync(join(dir, 'old.jpg'), 'x');
  const diverted: string[] = [];
  const diversion = divertWatchEvents((paths) => diverted.push(...paths));
  t.after(diversion.undo);
  const heard = watching(t, dir);
  const heardOther = watching(t, other);

  diversion.mute();
  for (let i = 0; i < 20; i++) writeFileSync(join(dir, `n${i}.jpg`), 'new');
  rmSync(join(dir, 'old.jpg'));
  await until('all twenty creations and the removal diverted', () => diverted.filter((p) => p.startsWith(`${dir}/`)).length >= 21 && diverted.includes(join(dir, 'old.jpg')));
  await sleep(50);
  assert.equal(heard.length, 0, 'nothing reached the directory listener while muted');

  assert.equal(diversion.unmute(), 1, 'one directory had creations; the other had nothing');
  assert.equal(heard.length, 1, 'one event replayed, so one re-read');
  assert.equal(heard[0]![0], 'rename');
  assert.equal(heardOther.length, 0);

  writeFileSync(join(dir, 'after.jpg'), 'x');
  await until('a creation after unmute reaches the listener', () => heard.some(([e, n]) => e === 'rename' && n === 'after.jpg'));
});

test("divertWatchEvents: muted, a directory's change of its own attributes and a file's own events are diverted and replayed once each", async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'sy-divert-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const dir = join(base, 'photos');
  mkdirSync(dir);
  writeFileSync(join(dir, 'a.jpg'), 'x');
  const diverted: string[] = [];
  const diversion = divertWatchEvents((paths) => diverted.push(...paths));
  t.after(diversion.undo);
  const heard = watching(t, dir);
  const fileHeard = watching(t, join(dir, 'a.jpg'));
  diversion.mute();
  // What a pull does last: each directory's mode and mtime (the kernel reports it as 'rename').
  chmodSync(dir, 0o750);
  await until("the directory's own change, diverted as its path", () => diverted.includes(dir));
  chmodSync(join(dir, 'a.jpg'), 0o640);
  appendFileSync(join(dir, 'a.jpg'), 'y');
  await until("the file's own events, diverted as its path", () => diverted.includes(join(dir, 'a.jpg')));
  await sleep(50);
  assert.equal(heard.length, 0, 'the directory listener heard nothing while muted');
  assert.equal(fileHeard.length, 0, 'the file listener heard nothing while muted');
  assert.equal(diversion.unmute(), 2, 'the directory and the file');
  assert.deepEqual(heard, [['rename', 'photos']], 'one event at the unmute: one re-read');
  assert.equal(fileHeard.length, 1, 'one event for the file at the unmute');
  assert.equal(fileHeard[0]![1], 'a.jpg');
  // Unmuted again, a file's own change reaches its listener at once.
  appendFileSync(join(dir, 'a.jpg'), 'z');
  await until("the file's own change at its listener", () => fileHeard.length > 1);
});
