// "did you mean …?" for a mistyped key: the closest known name, when one is close enough to be
// what was meant (a letter dropped, added, changed, two swapped, or different case).

/** Optimal string alignment distance: Levenshtein plus a swap of two neighbours as one edit. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name `word` most likely meant, or undefined when none is near: a wild guess misleads. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    // Case alone counts for little: ?allowdiffer= means allowDiffer.
    const dist = k.toLowerCase() === lower ? 0.5 : distance(lower, k.toLowerCase());
    if (dist < bestDistance) {
      best = k;
      bestDistance = dist;
    }
  }
  // Short names are one edit from many others; a longer one may take two.
  const allowed = Math.min(word.length, best?.length ?? 0) <= 4 ? 1 : 2;
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}
