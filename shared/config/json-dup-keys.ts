// A key written twice in one JSON object. JSON.parse keeps the last without a word, so
// {"until":"lock","until":"fallback"} ran as "fallback" whatever its author read first, while a
// YAML plan with the same slip is refused. Only run on a text JSON.parse took: it checks no
// syntax, and a 16 MiB plan costs one pass over its characters with no value built (a reviver
// would see every value, and still not the keys JSON.parse dropped).

export interface DuplicateKey {
  /** Keys and array indexes from the top down to the object that holds the key twice, then the key. */
  path: Array<string | number>;
  /** Where each of the two is written, 1-based; the column counts UTF-16 units, as jsonFault's does. */
  first: { line: number; column: number };
  second: { line: number; column: number };
}

/** An object's keys so far: a list while short (most objects of a plan hold a few), a Set past that. */
interface ObjectFrame {
  kind: 'object';
  keys: string[];
  starts: number[];
  set: Map<string, number> | undefined;
  /** The key whose value is being read, for the path. */
  current: string;
  expectKey: boolean;
}

interface ArrayFrame {
  kind: 'array';
  index: number;
}

type Frame = ObjectFrame | ArrayFrame;

const SHORT = 12;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The line and column of `offset` in `text`. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < offset; nl = text.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** The end (index of the closing quote) of the string whose opening quote is at `start`. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  // A quote preceded by an odd number of backslashes is escaped.
  for (;;) {
    let slashes = 0;
    for (let j = end - 1; text.charCodeAt(j) === BACKSLASH; j--) slashes++;
    if (slashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}

/** The first key written twice in one object of `text` (valid JSON), or undefined. */
export function duplicateKey(text: string): DuplicateKey | undefined {
  const stack: Frame[] = [];
  let top: Frame | undefined;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (top !== undefined && top.kind === 'object' && top.expectKey) {
        const raw = text.slice(i + 1, end);
        // Keys compare as JSON.parse reads them: "a" and "\u0061" are one key.
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        let seen = -1;
        if (top.set !== undefined) seen = top.set.get(key) ?? -1;
        else {
          const at = top.keys.indexOf(key);
          if (at !== -1) seen = top.starts[at]!;
        }
        if (seen !== -1) {
          const path: Array<string | number> = [];
          for (const f of stack) path.push(f.kind === 'object' ? f.current : f.index);
          path[path.length - 1] = key;
          return { path, first: lineColumn(text, seen), second: lineColumn(text, i) };
        }
        if (top.set !== undefined) top.set.set(key, i);
        else {
          top.keys.push(key);
          top.starts.push(i);
          if (top.keys.length > SHORT) {
            const starts = top.starts;
            top.set = new Map(top.keys.map((k, j) => [k, starts[j]!]));
          }
        }
        top.current = key;
        top.expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      top = { kind: 'object', keys: [], starts: [], set: undefined, current: '', expectKey: true };
      stack.push(top);
    } else if (c === 0x5b /* [ */) {
      top = { kind: 'array', index: 0 };
      stack.push(top);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      top = stack[stack.length - 1];
    } else if (c === 0x2c /* , */ && top !== undefined) {
      if (top.kind === 'object') top.expectKey = true;
      else top.index++;
    }
  }
  return undefined;
}
