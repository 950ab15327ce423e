// Where a JSON text goes wrong. JSON.parse says only an offset, and on Node 20 not even that for
// an unexpected character ("Unexpected token ']', …"); a person fixing a plan file needs the line
// and column. Only run on a text JSON.parse refused, so it need not build any value.

export interface JsonFault {
  line: number;
  column: number;
  /** What JSON needs at that place, e.g. `a double-quoted property name`. */
  expected: string;
  /** The text before it ends in a comma and a bracket closes there. */
  trailingComma: boolean;
}

class Stop {
  constructor(readonly expected: string) {}
}

const LITERAL = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

export function jsonFault(text: string): JsonFault {
  let i = 0;
  const fail = (expected: string): never => {
    throw new Stop(expected);
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const string = (): void => {
    i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') return void i++;
      if (c === '\\') {
        ESCAPE.lastIndex = i;
        if (!ESCAPE.test(text)) fail('a valid escape (\\", \\\\, \\n, \\uXXXX …)');
        i = ESCAPE.lastIndex;
        continue;
      }
      if (c < ' ') fail('a closing double quote before the end of the line');
      i++;
    }
    fail('a closing double quote');
  };
  const items = (close: string, item: () => void): void => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      space();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === close) return void i++;
      fail(`',' or '${close}'`);
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      return items('}', () => {
        space();
        if (text[i] !== '"') fail('a double-quoted property name');
        string();
        space();
        if (text[i] !== ':') fail("':' after the property name");
        i++;
        value();
      });
    }
    if (c === '[') return items(']', value);
    if (c === '"') return string();
    LITERAL.lastIndex = i;
    if (!LITERAL.test(text)) fail('a value (an object, array, string, number, true, false or null)');
    i = LITERAL.lastIndex;
  };
  let expected = '';
  try {
    value();
    space();
    if (i < text.length) fail('the end of the text after the first value');
  } catch (err) {
    // Nesting deep enough to run out of stack is not a plan; say where the scan stopped.
    if (err instanceof Stop) expected = err.expected;
    else if (!(err instanceof RangeError)) throw err;
  }
  const before = text.slice(0, i);
  const lineStart = before.lastIndexOf('\n') + 1;
  return {
    line: before.split('\n').length,
    column: i - lineStart + 1,
    expected,
    trailingComma: /,\s*$/.test(before) && /^[}\]]/.test(text.slice(i, i + 1)),
  };
}
