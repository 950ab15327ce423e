// systemd time spans (systemd.time(7)): `10m`, `600`, `10min` and `1h 30min` are how unit files
// write a delay. The agent uses this to take the value systemd would (an invalid one is ignored
// there), the controller to compare two spellings of one delay as one.

const SECOND = 1_000_000n;
/** Unit suffixes and their length in microseconds, as systemd's parse_sec() knows them. */
const UNITS: Record<string, bigint> = {
  usec: 1n,
  us: 1n,
  µs: 1n,
  μs: 1n,
  msec: 1000n,
  ms: 1000n,
  seconds: SECOND,
  second: SECOND,
  sec: SECOND,
  s: SECOND,
  minutes: 60n * SECOND,
  minute: 60n * SECOND,
  min: 60n * SECOND,
  m: 60n * SECOND,
  hours: 3600n * SECOND,
  hour: 3600n * SECOND,
  hr: 3600n * SECOND,
  h: 3600n * SECOND,
  days: 86_400n * SECOND,
  day: 86_400n * SECOND,
  d: 86_400n * SECOND,
  weeks: 604_800n * SECOND,
  week: 604_800n * SECOND,
  w: 604_800n * SECOND,
  // systemd's month and year are averages: 30.44 and 365.25 days.
  months: 2_629_800n * SECOND,
  month: 2_629_800n * SECOND,
  M: 2_629_800n * SECOND,
  years: 31_557_600n * SECOND,
  year: 31_557_600n * SECOND,
  y: 31_557_600n * SECOND,
};

const PART = /^\s*(\d+)(?:\.(\d+))?\s*([a-zA-Zµμ]*)/;

/**
 * A time span in microseconds; a number without a unit is seconds (the `…Sec=` settings).
 * `infinity` is -1n. Undefined when systemd would reject it.
 */
export function timespanMicros(text: string): bigint | undefined {
  const t = text.trim();
  if (t === 'infinity') return -1n;
  if (t === '') return undefined;
  let rest = t;
  let total = 0n;
  while (rest.trim() !== '') {
    const m = PART.exec(rest);
    if (m === null) return undefined;
    const unit = m[3] === '' ? SECOND : Object.hasOwn(UNITS, m[3]!) ? UNITS[m[3]!] : undefined;
    if (unit === undefined) return undefined;
    const fraction = m[2] ?? '';
    total += BigInt(m[1]!) * unit + (fraction === '' ? 0n : (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length));
    rest = rest.slice(m[0].length);
  }
  return total;
}
