import type { ScenarioFault } from "./scenario.js";

interface SlotRange {
  readonly start: number;
  readonly end: number;
}

/**
 * When each simulated block exists. Slot `s` starts `s × blockTimeMs` after
 * genesis; every slot produces the next block, except slots inside a scripted
 * stall, which produce nothing (the chain halts, then continues numbering
 * where it stopped). Pure: a function of genesis, block time and faults.
 */
export class SimTimeline {
  private readonly stalls: SlotRange[];

  constructor(
    readonly genesisMs: number,
    readonly blockTimeMs: number,
    faults: readonly ScenarioFault[] = [],
  ) {
    const ranges = faults
      .filter((f) => f.kind === "stall")
      .map((f) => ({
        start: Math.ceil(f.atMs / blockTimeMs),
        end: Math.ceil((f.atMs + f.forMs) / blockTimeMs),
      }))
      .filter((r) => r.end > r.start)
      .sort((a, b) => a.start - b.start);
    const merged: SlotRange[] = [];
    for (const r of ranges) {
      const last = merged.at(-1);
      if (last && r.start <= last.end)
        merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, r.end) };
      else merged.push(r);
    }
    this.stalls = merged;
  }

  /** The slot in which block `n` is produced. */
  slotOf(n: number): number {
    let slot = n;
    for (const r of this.stalls) {
      if (slot < r.start) break;
      slot += r.end - r.start;
    }
    return slot;
  }

  /** Milliseconds after genesis at which block `n` is produced. */
  offsetOf(n: number): number {
    return this.slotOf(n) * this.blockTimeMs;
  }

  /** Wall-clock (= chain) time of block `n`, Unix ms. */
  timeOf(n: number): number {
    return this.genesisMs + this.offsetOf(n);
  }

  /** The newest block that exists at `nowMs`, or -1 before the first one. */
  headAt(nowMs: number): number {
    if (nowMs < this.genesisMs) return -1;
    const slot = Math.floor((nowMs - this.genesisMs) / this.blockTimeMs);
    let stalled = 0;
    for (const r of this.stalls) {
      if (slot < r.start) break;
      stalled += Math.min(slot + 1, r.end) - r.start;
    }
    return slot - stalled;
  }
}
