/** A processed block the window remembers, with the ids of the events published from it. */
export interface WindowEntry {
  readonly number: number;
  readonly hash: string;
  readonly eventIds: readonly string[];
}

/**
 * The recent processed blocks (number → hash, and what was published from
 * each), newest last, spanning at most `spanBlocks` block numbers. Blocks
 * processed in a range without events are not entries: nothing needs
 * retracting there. Pure; serialisable into the checkpoint so a restart can
 * still retract what a reorg orphans.
 */
export class ChainWindow {
  private entries: WindowEntry[] = [];

  constructor(readonly spanBlocks: number) {}

  get newest(): WindowEntry | undefined {
    return this.entries.at(-1);
  }

  get oldest(): WindowEntry | undefined {
    return this.entries[0];
  }

  get size(): number {
    return this.entries.length;
  }

  hashAt(n: number): string | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.number === n) return e.hash;
      if (e.number < n) return undefined;
    }
    return undefined;
  }

  add(entry: WindowEntry): void {
    const newest = this.newest;
    if (newest && entry.number <= newest.number)
      throw new RangeError(`block ${entry.number} added after ${newest.number}`);
    this.entries.push(entry);
    const floor = entry.number - this.spanBlocks;
    let drop = 0;
    while (drop < this.entries.length - 1 && this.entries[drop]!.number <= floor) drop++;
    if (drop > 0) this.entries = this.entries.slice(drop);
  }

  /** Entries newest first, for a walk back. */
  newestFirst(): WindowEntry[] {
    return [...this.entries].reverse();
  }

  /** Removes and returns the entries above block `n` (orphaned by a reorg), newest first. */
  dropAbove(n: number): WindowEntry[] {
    const keep = this.entries.filter((e) => e.number <= n);
    const dropped = this.entries.filter((e) => e.number > n).reverse();
    this.entries = keep;
    return dropped;
  }

  /** Compact JSON for the checkpoint's resume data. */
  serialize(): string {
    return JSON.stringify(this.entries.map((e) => [e.number, e.hash, e.eventIds]));
  }

  static parse(text: string, spanBlocks: number): ChainWindow {
    const w = new ChainWindow(spanBlocks);
    const raw = JSON.parse(text) as unknown;
    if (!Array.isArray(raw)) throw new TypeError("window: not an array");
    for (const item of raw) {
      if (
        !Array.isArray(item) ||
        typeof item[0] !== "number" ||
        typeof item[1] !== "string" ||
        !Array.isArray(item[2]) ||
        !item[2].every((id: unknown) => typeof id === "string")
      )
        throw new TypeError("window: bad entry");
      w.add({ number: item[0], hash: item[1], eventIds: item[2] as string[] });
    }
    return w;
  }
}
