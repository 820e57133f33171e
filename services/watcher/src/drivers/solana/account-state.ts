/** One published change: the event ids an account's new state produced, and the state it replaced. */
export interface AccountChange {
  readonly account: string;
  /** Data hash of the state replaced (undefined: the account was new). */
  readonly previous: string | undefined;
  readonly eventIds: readonly string[];
}

/** The changes published at one slot. */
export interface SlotEntry {
  readonly slot: number;
  readonly changes: AccountChange[];
}

/**
 * What the driver has published of the cluster's accounts: each account's
 * last data hash (so an unchanged account is not published again, across
 * polls, resubscribes and restarts) and the changes of recent slots (so a
 * slot rollback can retract them and restore the hashes they replaced).
 * Pure state; it serializes into the checkpoint.
 */
export class AccountState {
  private readonly hashes = new Map<string, string>();
  private readonly recent: SlotEntry[] = [];

  constructor(private readonly windowSlots: number) {}

  hashOf(account: string): string | undefined {
    return this.hashes.get(account);
  }

  get size(): number {
    return this.hashes.size;
  }

  /** Records that `account` now has data `hash`, published at `slot` as `eventIds`. */
  record(slot: number, account: string, hash: string, eventIds: readonly string[]): void {
    let entry = this.recent.at(-1);
    if (!entry || entry.slot !== slot) {
      entry = { slot, changes: [] };
      this.recent.push(entry);
    }
    entry.changes.push({ account, previous: this.hashes.get(account), eventIds });
    this.hashes.set(account, hash);
  }

  /** Forgets changes of slots older than the window below `slot`. */
  prune(slot: number): void {
    while (this.recent.length > 0 && this.recent[0]!.slot <= slot - this.windowSlots) this.recent.shift();
  }

  /**
   * Undoes every change published after `slot`, newest first: restores the
   * hashes they replaced and returns the event ids to retract, newest first.
   */
  rollbackAfter(slot: number): { slot: number; eventIds: string[] }[] {
    const undone: { slot: number; eventIds: string[] }[] = [];
    while ((this.recent.at(-1)?.slot ?? -1) > slot) {
      const entry = this.recent.pop()!;
      for (const change of [...entry.changes].reverse()) {
        if (change.previous === undefined) this.hashes.delete(change.account);
        else this.hashes.set(change.account, change.previous);
        undone.push({ slot: entry.slot, eventIds: [...change.eventIds].reverse() });
      }
    }
    return undone;
  }

  /** The oldest slot the window can still roll back to (undefined: nothing recorded). */
  get oldestSlot(): number | undefined {
    return this.recent[0]?.slot;
  }

  serialize(): { hashes: string; recent: string } {
    return { hashes: JSON.stringify([...this.hashes]), recent: JSON.stringify(this.recent) };
  }

  /** The state a checkpoint kept; throws on text that is not one. */
  static parse(saved: { hashes: unknown; recent: unknown }, windowSlots: number): AccountState {
    const state = new AccountState(windowSlots);
    if (typeof saved.hashes !== "string" || typeof saved.recent !== "string")
      throw new TypeError("account state missing from the checkpoint");
    const hashes = JSON.parse(saved.hashes) as unknown;
    const recent = JSON.parse(saved.recent) as unknown;
    if (!Array.isArray(hashes) || !Array.isArray(recent)) throw new TypeError("account state is not lists");
    for (const pair of hashes) {
      if (!Array.isArray(pair) || typeof pair[0] !== "string" || typeof pair[1] !== "string")
        throw new TypeError("account hash entry is not [account, hash]");
      state.hashes.set(pair[0], pair[1]);
    }
    for (const e of recent as SlotEntry[]) {
      if (typeof e?.slot !== "number" || !Array.isArray(e.changes))
        throw new TypeError("slot entry unreadable");
      state.recent.push(e);
    }
    return state;
  }
}
