// The URLs of a srcset attribute, split the way the HTML standard's algorithm does: a
// candidate's URL runs to the next whitespace, and a trailing comma ends it — so commas
// inside a URL (common in image CDNs) do not split it.

export function srcsetUrls(srcset: string): string[] {
  const urls: string[] = [];
  let i = 0;
  const n = srcset.length;
  const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
  while (i < n) {
    while (i < n && (isSpace(srcset[i]) || srcset[i] === ',')) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(srcset[i])) i++;
    let url = srcset.slice(start, i);
    let endsCandidate = false;
    while (url.endsWith(',')) {
      url = url.slice(0, -1);
      endsCandidate = true;
    }
    if (url !== '') urls.push(url);
    if (endsCandidate) continue;
    // Skip the descriptors up to the comma that ends this candidate, minding parentheses.
    let depth = 0;
    while (i < n) {
      const c = srcset[i] as string;
      if (c === '(') depth++;
      else if (c === ')') depth = Math.max(0, depth - 1);
      else if (c === ',' && depth === 0) {
        i++;
        break;
      }
      i++;
    }
  }
  return urls;
}
