// A list that keeps its first items and only counts the rest: a report names examples, and a
// tree of a million refused links must not mean a million strings held until the end.
export class CappedList<T> {
  readonly items: T[] = [];
  total = 0;

  constructor(readonly max: number) {}

  push(item: T): void {
    this.total++;
    if (this.items.length < this.max) this.items.push(item);
  }

  get omitted(): number {
    return this.total - this.items.length;
  }
}

/** The kept messages, plus one line saying how many were left out. */
export function cappedMessages(list: CappedList<string>): string[] {
  return list.omitted === 0 ? [...list.items] : [...list.items, `... and ${list.omitted} more not listed`];
}
