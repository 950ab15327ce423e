// Staging's mtime, as production can set it. Node's utimes takes seconds as a double and libuv
// keeps whole microseconds of it, cutting the rest off toward zero; a double near 1.7e9 s holds
// ~0.24 µs, so `µs / 1e6` lands just short of the microsecond about half the time and is cut to
// the one before. Aiming at the middle of the microsecond keeps the double's error inside it: the
// file gets exactly staging's microsecond (the nanoseconds `rsync -a` carries are beyond utimes).

/** Seconds: a number, or before 1970 a numeric string — what utimes and futimes take. */
export type UtimesArg = number | string;

/** What utimes/futimes should be given for staging's `mtimeNs`. */
export function utimesArg(mtimeNs: string | bigint): UtimesArg {
  const us = floorDiv(BigInt(mtimeNs), 1000n);
  if (us >= 0n) return (Number(us) + 0.5) / 1e6;
  // Node replaces a negative number with "now" but passes a numeric string through; libuv cuts
  // toward zero, so the middle of a negative microsecond is half a microsecond further down.
  return String((Number(us) - 0.5) / 1e6);
}

/**
 * Mtimes equal as far as production can set them (see utimesArg): the same microsecond. Compared
 * to the nanosecond, every file would look touched on every pull and have its metadata set again.
 */
export function sameMtime(a: string | bigint, b: string | bigint): boolean {
  const x = BigInt(a);
  const y = BigInt(b);
  return x === y || floorDiv(x, 1000n) === floorDiv(y, 1000n);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}
