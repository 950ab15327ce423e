// HTTP Link headers (RFC 8288): `<target>; rel="canonical"; hreflang=de, <…>; rel=…`.
// Split by hand because a target may contain commas and semicolons inside its angle brackets.

export interface LinkValue {
  target: string;
  rel: string[];
  params: Record<string, string>;
}

export function linkHeader(values: readonly string[]): LinkValue[] {
  const out: LinkValue[] = [];
  for (const value of values) {
    let i = 0;
    while (i < value.length) {
      const open = value.indexOf('<', i);
      if (open < 0) break;
      const close = value.indexOf('>', open + 1);
      if (close < 0) break;
      const target = value.slice(open + 1, close).trim();
      i = close + 1;
      const params: Record<string, string> = {};
      // Parameters run until a comma outside quotes.
      while (i < value.length && value[i] !== ',') {
        if (value[i] !== ';') {
          i++;
          continue;
        }
        i++;
        let name = '';
        while (i < value.length && !'=;,'.includes(value[i] as string)) name += value[i++];
        let v = '';
        if (value[i] === '=') {
          i++;
          while (value[i] === ' ') i++;
          if (value[i] === '"') {
            i++;
            while (i < value.length && value[i] !== '"') {
              if (value[i] === '\\') i++;
              v += value[i++] ?? '';
            }
            i++;
          } else {
            while (i < value.length && !';,'.includes(value[i] as string)) v += value[i++];
          }
        }
        params[name.trim().toLowerCase()] = v.trim();
      }
      i++;
      out.push({ target, rel: (params.rel ?? '').toLowerCase().split(/\s+/).filter((r) => r !== ''), params });
    }
  }
  return out;
}
