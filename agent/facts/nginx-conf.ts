// nginx's effective configuration as `nginx -T` prints it: every file it read, each after a
// `# configuration file PATH:` line. The dump does not inline `include`s, so they are followed
// here through the dumped files themselves, as nginx followed them: a server block in
// sites-enabled/ is found wherever it is included from, with the snippets it includes inlined.
import { dirname, isAbsolute, join } from 'node:path';
import { componentRegExp } from './glob.js';

/** One parsed directive; `children` is set for a block (`server {…}`, `location ~ x {…}`). */
export interface ConfDirective {
  name: string;
  args: string[];
  file: string;
  line: number;
  children?: ConfDirective[];
}

/** A server block with its includes inlined. */
export interface ServerBlock {
  file: string;
  line: number;
  directives: ConfDirective[];
}

const FILE_HEADER = /^# configuration file (.+):$/;

/** The dump's files in the order nginx read them (the first is the main file). */
export function splitDump(text: string): Array<{ path: string; text: string }> {
  const files: Array<{ path: string; lines: string[] }> = [];
  for (const line of text.split('\n')) {
    const header = FILE_HEADER.exec(line);
    if (header) files.push({ path: header[1]!, lines: [] });
    else files.at(-1)?.lines.push(line);
  }
  return files.map((f) => ({ path: f.path, text: f.lines.join('\n') }));
}

interface Token {
  /** `;`, `{` and `}` as such; a word otherwise (quotes removed). */
  text: string;
  word: boolean;
  line: number;
}

/** nginx's tokenizer: words, quoted strings, `;`, `{`, `}`; `#` starts a comment outside a word. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n') {
      line++;
      i++;
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
    } else if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === ';' || ch === '{' || ch === '}') {
      tokens.push({ text: ch, word: false, line });
      i++;
    } else if (ch === '"' || ch === "'") {
      const start = line;
      let value = '';
      i++;
      while (i < text.length && text[i] !== ch) {
        // As nginx: \" and \' and \\ lose the backslash, other escapes (\d in a regex) keep it.
        if (text[i] === '\\' && i + 1 < text.length && (text[i + 1] === ch || text[i + 1] === '\\')) i++;
        if (text[i] === '\n') line++;
        value += text[i];
        i++;
      }
      i++;
      tokens.push({ text: value, word: true, line: start });
    } else {
      let value = '';
      while (i < text.length) {
        const c = text[i]!;
        if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === ';') break;
        // `${var}` is a variable, not a block.
        if (c === '{' && !value.endsWith('$')) break;
        if (c === '\\' && i + 1 < text.length) {
          value += c + text[i + 1];
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      tokens.push({ text: value, word: true, line });
    }
  }
  return tokens;
}

/** The directives of one file; an unbalanced `}` or a directive left open ends the parse there. */
export function parseConf(text: string, file: string): ConfDirective[] {
  const tokens = tokenize(text);
  let at = 0;
  const block = (): ConfDirective[] => {
    const out: ConfDirective[] = [];
    let words: Token[] = [];
    while (at < tokens.length) {
      const t = tokens[at++]!;
      if (t.word) {
        words.push(t);
        continue;
      }
      if (t.text === '}') return out;
      if (words.length === 0) continue;
      const d: ConfDirective = { name: words[0]!.text, args: words.slice(1).map((w) => w.text), file, line: words[0]!.line };
      words = [];
      if (t.text === '{') d.children = block();
      out.push(d);
    }
    return out;
  };
  return block();
}

/**
 * nginx's include glob as a regex over a whole path: nginx expands it with glob(3), so each
 * component follows the rules the agent's own globs do (a leading dot matched only by a dot).
 */
function globRegex(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('/').map((c) => componentRegExp(c).source.slice(1, -1)).join('/')}$`);
}

/** Includes nested deeper than this are a loop (nginx refuses one far sooner). */
const MAX_INCLUDE_DEPTH = 16;

/**
 * The server blocks of the dump (under `http`, or anywhere a dump of a stray file puts them), in
 * the order nginx reads them, with every `include` inlined from the dumped files: relative paths
 * from the main file's directory, glob matches in name order as nginx sorts them.
 */
export function serverBlocks(dump: string): ServerBlock[] {
  return parseDump(dump).servers;
}

/**
 * `upstream NAME { server ADDRESS …; }` blocks of the dump's http{}: each name's server addresses
 * (a `fastcgi_pass NAME` goes to one of them).
 */
export function upstreamServers(dump: string): Map<string, string[]> {
  return parseDump(dump).upstreams;
}

function parseDump(dump: string): { servers: ServerBlock[]; upstreams: Map<string, string[]> } {
  const files = splitDump(dump);
  const upstreams = new Map<string, string[]>();
  if (files.length === 0) return { servers: [], upstreams };
  const parsed = new Map(files.map((f) => [f.path, parseConf(f.text, f.path)]));
  const prefix = dirname(files[0]!.path);
  const expand = (directives: ConfDirective[], depth: number): ConfDirective[] =>
    directives.flatMap((d): ConfDirective[] => {
      if (d.name === 'include' && d.children === undefined && d.args.length === 1 && depth < MAX_INCLUDE_DEPTH) {
        const pattern = isAbsolute(d.args[0]!) ? d.args[0]! : join(prefix, d.args[0]!);
        const re = globRegex(pattern);
        const matched = [...parsed.keys()].filter((p) => re.test(p)).sort();
        return matched.flatMap((p) => expand(parsed.get(p)!, depth + 1));
      }
      return d.children === undefined ? [d] : [{ ...d, children: expand(d.children, depth) }];
    });
  const root = expand(parsed.get(files[0]!.path)!, 0);
  const servers: ServerBlock[] = [];
  const walk = (directives: ConfDirective[]): void => {
    for (const d of directives) {
      if (d.children === undefined) continue;
      // `server` inside `upstream` is a backend line, never a block; stream{} servers are not sites.
      if (d.name === 'server') servers.push({ file: d.file, line: d.line, directives: d.children });
      else if (d.name === 'http') walk(d.children);
      else if (d.name === 'upstream' && d.args.length === 1) {
        upstreams.set(d.args[0]!, d.children.filter((c) => c.name === 'server' && c.children === undefined && c.args.length > 0).map((c) => c.args[0]!));
      }
    }
  };
  walk(root);
  return { servers, upstreams };
}
