/** What one collector found, plus what it could not find, said plainly. */
export interface Collected<T> {
  facts: T;
  notes: string[];
}
