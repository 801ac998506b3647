/**
 * `RecentSet`: a set of strings that keeps only its newest `capacity` entries, forgetting the oldest
 * added first. For the process-wide "seen" and "already told" sets of a bot that runs for months:
 * what they guard against (a message taken twice between start-up catch-up and the gateway; a user
 * told the same refusal again) concerns recent entries only, and a plain `Set` would grow forever.
 */
export class RecentSet {
  private readonly entries = new Set<string>();

  /** @param capacity how many entries are kept (≥ 1) @throws RangeError when it is not a positive integer */
  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`RecentSet capacity must be a positive integer, got ${capacity}`);
  }

  has(value: string): boolean {
    return this.entries.has(value);
  }

  /** Adds `value` as the newest entry (again, when it was there), forgetting the oldest beyond the capacity. */
  add(value: string): this {
    this.entries.delete(value);
    this.entries.add(value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.values().next().value as string);
    return this;
  }

  get size(): number {
    return this.entries.size;
  }
}
