// JSON columns: written with JSON.stringify, read back leniently so one bad row (hand-edited
// state file) shows up as a string in a report instead of breaking every read.
// Evidence may carry bigints (row counts, byte totals from mysql2); JSON has no bigint.
const replacer = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

export function toJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value, replacer);
}

export function fromJson<T = unknown>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as unknown as T;
  }
}
