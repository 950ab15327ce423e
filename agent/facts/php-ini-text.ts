// php.ini text as PHP's own ini parser reads it, for the few settings parity compares: PHP-FPM
// loads its own php.ini, which the CLI (the only PHP the agent can ask) never reads. Pure.

/** The E_* constants php.ini's error_reporting is written with (PHP 8.0–8.3 values). */
const CONSTANTS: Record<string, number> = {
  E_ERROR: 1,
  E_WARNING: 2,
  E_PARSE: 4,
  E_NOTICE: 8,
  E_CORE_ERROR: 16,
  E_CORE_WARNING: 32,
  E_COMPILE_ERROR: 64,
  E_COMPILE_WARNING: 128,
  E_USER_ERROR: 256,
  E_USER_WARNING: 512,
  E_USER_NOTICE: 1024,
  E_STRICT: 2048,
  E_RECOVERABLE_ERROR: 4096,
  E_DEPRECATED: 8192,
  E_USER_DEPRECATED: 16384,
  E_ALL: 32767,
};

// Unquoted words PHP's parser turns into "1" / "" (zend_ini_scanner.l), whatever their case.
const TRUE_WORDS = new Set(['on', 'yes', 'true']);
const FALSE_WORDS = new Set(['off', 'no', 'false', 'none', 'null']);

/**
 * `E_ALL & ~E_DEPRECATED` as the number PHP stores (ini_get gives "22527"): `|`, `&`, `^` of one
 * precedence, left to right, over `~`, `!` and parentheses (zend_ini_parser.y). Undefined when
 * the text is not such an expression, a word like `tracing` included: it is kept as written.
 */
export function iniExpression(text: string): number | undefined {
  const tokens = text.match(/[A-Za-z_][A-Za-z0-9_]*|\d+|[|&^~!()]|\S/g) ?? [];
  if (!tokens.some((t) => /[|&^~!]/.test(t) || Object.hasOwn(CONSTANTS, t))) return undefined;
  let i = 0;
  const unary = (): number | undefined => {
    const t = tokens[i++];
    if (t === '~') {
      const v = unary();
      return v === undefined ? undefined : ~v;
    }
    if (t === '!') {
      const v = unary();
      return v === undefined ? undefined : v === 0 ? 1 : 0;
    }
    if (t === '(') {
      const v = expr();
      return tokens[i++] === ')' ? v : undefined;
    }
    if (t !== undefined && /^\d+$/.test(t)) return Number(t);
    return t !== undefined && Object.hasOwn(CONSTANTS, t) ? CONSTANTS[t] : undefined;
  };
  const expr = (): number | undefined => {
    let v = unary();
    while (v !== undefined && (tokens[i] === '|' || tokens[i] === '&' || tokens[i] === '^')) {
      const op = tokens[i++];
      const r = unary();
      if (r === undefined) return undefined;
      v = op === '|' ? v | r : op === '&' ? v & r : v ^ r;
    }
    return v;
  };
  const v = expr();
  return i === tokens.length ? v : undefined;
}

/** A value as PHP stores it: quotes removed, an unquoted one up to its `;` comment, On/Off as "1"/"". */
export function phpIniTextValue(raw: string): string {
  const t = raw.trim();
  if (t.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(t);
    return m ? m[1]!.replace(/\\(["\\])/g, '$1') : t.slice(1);
  }
  if (t.startsWith("'")) {
    const end = t.indexOf("'", 1);
    return end < 0 ? t.slice(1) : t.slice(1, end);
  }
  const comment = t.indexOf(';');
  const v = (comment < 0 ? t : t.slice(0, comment)).trim();
  const l = v.toLowerCase();
  if (TRUE_WORDS.has(l)) return '1';
  if (FALSE_WORDS.has(l)) return '';
  const n = iniExpression(v);
  return n === undefined ? v : String(n);
}

/**
 * The `name = value` settings of one ini file whose name is in `wanted`, the last line winning.
 * `[PATH=…]` and `[HOST=…]` sections apply to some scripts only and are left out; other sections
 * (`[PHP]`, `[Date]`) are headings PHP ignores.
 */
export function parsePhpIniText(text: string, wanted: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  let scoped = false;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith(';')) continue;
    if (t.startsWith('[')) {
      scoped = /^\[\s*(PATH|HOST)\s*=/i.test(t);
      continue;
    }
    const eq = t.indexOf('=');
    if (eq < 0 || scoped) continue;
    const name = t.slice(0, eq).trim();
    if (wanted.has(name)) out.set(name, phpIniTextValue(t.slice(eq + 1)));
  }
  return out;
}
