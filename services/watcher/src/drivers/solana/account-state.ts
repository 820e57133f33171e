import { deflateRawSync, inflateRawSync } from "node:zlib";
import { PublicKey } from "@solana/web3.js";

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

/** Bytes of one account in the checkpoint: its 32-byte key and its 8-byte data hash. */
const PACKED = 40;

/**
 * What the driver has published of the cluster's accounts: each account's
 * last data hash (so an unchanged account is not published again, across
 * polls, resubscribes and restarts) and the changes of recent slots (so a
 * slot rollback can retract them and restore the hashes they replaced).
 * Pure state; it serializes into the checkpoint compactly (40 bytes an
 * account, the window deflated and capped at `maxChanges`), since a NATS
 * message holds 1 MB by default.
 */
export class AccountState {
  private readonly hashes = new Map<string, string>();
  private readonly recent: SlotEntry[] = [];
  private changes = 0;
  /** The newest slot whose changes were forgotten (-1: none): a rollback to below it is deep. */
  private forgottenThrough = -1;

  constructor(
    private readonly windowSlots: number,
    private readonly maxChanges = 2_000,
  ) {}

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
    this.changes++;
    this.hashes.set(account, hash);
  }

  /**
   * Forgets changes of slots older than the window below `slot`, and the
   * oldest slots' changes beyond `maxChanges`. A rollback cannot retract
   * those: the surviving fork's state of such an account still replaces the
   * dropped one when it is read, but an account only the dropped fork held
   * stays published (a slot that changed more accounts than the window holds,
   * such as the first full read, is never kept).
   */
  prune(slot: number): void {
    while (this.recent.length > 0) {
      const oldest = this.recent[0]!;
      if (oldest.slot > slot - this.windowSlots && this.changes <= this.maxChanges) break;
      this.recent.shift();
      this.changes -= oldest.changes.length;
      this.forgottenThrough = Math.max(this.forgottenThrough, oldest.slot);
    }
  }

  /** Whether a rollback to `slot` reaches changes the window no longer holds. */
  isDeep(slot: number): boolean {
    return slot < this.forgottenThrough;
  }

  /** Forgets every hash and change: the next read publishes every account again. */
  clear(): void {
    this.hashes.clear();
    this.recent.length = 0;
    this.changes = 0;
    this.forgottenThrough = -1;
  }

  /**
   * Undoes every change published after `slot`, newest first: restores the
   * hashes they replaced and returns the event ids to retract, newest first.
   */
  rollbackAfter(slot: number): { slot: number; eventIds: string[] }[] {
    const undone: { slot: number; eventIds: string[] }[] = [];
    while ((this.recent.at(-1)?.slot ?? -1) > slot) {
      const entry = this.recent.pop()!;
      this.changes -= entry.changes.length;
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

  /** Base64 of the packed hashes, and of the deflated window. */
  serialize(): { hashes: string; recent: string } {
    const packed = Buffer.alloc(this.hashes.size * PACKED);
    let at = 0;
    for (const [account, hash] of this.hashes) {
      new PublicKey(account).toBuffer().copy(packed, at);
      packed.write(hash, at + 32, 8, "hex");
      at += PACKED;
    }
    return {
      hashes: packed.toString("base64"),
      recent: deflateRawSync(
        JSON.stringify({ forgottenThrough: this.forgottenThrough, slots: this.recent }),
      ).toString("base64"),
    };
  }

  /** The state a checkpoint kept; throws on text that is not one. */
  static parse(saved: { hashes: unknown; recent: unknown }, windowSlots: number): AccountState {
    const state = new AccountState(windowSlots);
    if (typeof saved.hashes !== "string" || typeof saved.recent !== "string")
      throw new TypeError("account state missing from the checkpoint");
    const packed = Buffer.from(saved.hashes, "base64");
    if (packed.length % PACKED !== 0) throw new TypeError(`packed hashes of ${packed.length} bytes`);
    for (let at = 0; at < packed.length; at += PACKED)
      state.hashes.set(
        new PublicKey(packed.subarray(at, at + 32)).toBase58(),
        packed.subarray(at + 32, at + PACKED).toString("hex"),
      );
    const window = JSON.parse(inflateRawSync(Buffer.from(saved.recent, "base64")).toString("utf8")) as {
      forgottenThrough?: unknown;
      slots?: unknown;
    };
    if (!Array.isArray(window?.slots) || typeof window.forgottenThrough !== "number")
      throw new TypeError("account window unreadable");
    state.forgottenThrough = window.forgottenThrough;
    for (const e of window.slots as SlotEntry[]) {
      if (typeof e?.slot !== "number" || !Array.isArray(e.changes))
        throw new TypeError("slot entry unreadable");
      state.recent.push(e);
      state.changes += e.changes.length;
    }
    return state;
  }
}
