// The url(...) references in CSS text (a style attribute or a <style> element), read with a
// small tokenizer that knows strings, escapes and comments — enough to find every url()
// and @import target without taking a quoted ')' or a commented-out rule for one.

export interface CssUrl {
  url: string;
  /** An @import target: a stylesheet, which browsers block on an https page when it is http:. */
  imported: boolean;
}

export function cssUrls(css: string): string[] {
  return cssRefs(css).map((r) => r.url);
}

export function cssRefs(css: string): CssUrl[] {
  const urls: CssUrl[] = [];
  let importing = false;
  let i = 0;
  const n = css.length;
  const readString = (quote: string): string => {
    let out = '';
    i++; // opening quote
    while (i < n && css[i] !== quote) {
      if (css[i] === '\\' && i + 1 < n) {
        out += css[i + 1];
        i += 2;
        continue;
      }
      if (css[i] === '\n') break; // unterminated string ends at the line, as in CSS
      out += css[i++];
    }
    i++; // closing quote
    return out;
  };
  const skipSpace = (): void => {
    while (i < n && /\s/.test(css[i] as string)) i++;
  };
  while (i < n) {
    const c = css[i] as string;
    if (c === '/' && css[i + 1] === '*') {
      const end = css.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      readString(c);
      continue;
    }
    if ((c === 'u' || c === 'U') && css.slice(i, i + 4).toLowerCase() === 'url(' && !/[\w-]/.test(css[i - 1] ?? ' ')) {
      i += 4;
      skipSpace();
      let value: string;
      if (css[i] === '"' || css[i] === "'") {
        value = readString(css[i] as string);
      } else {
        value = '';
        while (i < n && css[i] !== ')' && !/\s/.test(css[i] as string)) {
          if (css[i] === '\\' && i + 1 < n) i++;
          value += css[i++];
        }
      }
      skipSpace();
      if (css[i] === ')') i++;
      if (value !== '') urls.push({ url: value, imported: importing });
      importing = false;
      continue;
    }
    if (c === '@' && css.slice(i, i + 7).toLowerCase() === '@import') {
      i += 7;
      skipSpace();
      if (css[i] === '"' || css[i] === "'") urls.push({ url: readString(css[i] as string), imported: true });
      // `@import url(…)`: the url() right after is the import.
      else importing = css.slice(i, i + 4).toLowerCase() === 'url(';
      continue;
    }
    i++;
  }
  return urls;
}
