/** Commitment levels of the Solana RPC specification. */
export type Commitment = "processed" | "confirmed" | "finalized";

/** One version of an account, written at `slot`. */
export interface AccountVersion {
  readonly slot: number;
  readonly owner: string;
  readonly lamports: number;
  /** undefined: the account was closed at `slot`. */
  readonly data: Uint8Array | undefined;
}

/** An account as the RPC serves it at some slot. */
export interface AccountAt {
  readonly pubkey: string;
  readonly owner: string;
  readonly lamports: number;
  readonly data: Uint8Array;
}

export interface LedgerOptions {
  /** The first slot (default 1000). */
  readonly startSlot?: number;
  /** Slots between the processed tip and the confirmed slot (default 2). */
  readonly confirmedDepth?: number;
  /** Slots between the processed tip and the finalized slot (default 32). */
  readonly finalizedDepth?: number;
  /** Chain time of the start slot, Unix ms (default: now). */
  readonly genesisMs?: number;
  /** Chain time between slots (default 400 ms, the cluster's target). */
  readonly slotMs?: number;
  /**
   * Stamp each slot with the wall-clock time it is produced at, instead of
   * `slotMs` apart (a slot clock whose timer runs late then never makes the
   * chain look stale).
   */
  readonly wallClock?: boolean;
}

/**
 * The cluster a test Solana RPC serves: a processed tip that scripts move
 * forward (or roll back, as a fork that drops slots would), and every
 * account's versions by slot, so each commitment level sees the accounts as
 * of its own slot. Pure state: no timers, no I/O.
 */
export class SolanaLedger {
  private tip: number;
  /** After a rollback, the next slot produced (a dropped slot's number is never produced again). */
  private nextSlot: number;
  private readonly confirmedDepth: number;
  private readonly finalizedDepth: number;
  private readonly genesisMs: number;
  private readonly slotMs: number;
  private readonly startSlot: number;
  private readonly versions = new Map<string, AccountVersion[]>();
  private readonly wallClock: boolean;
  private readonly producedAtMs = new Map<number, number>();

  constructor(opts: LedgerOptions = {}) {
    this.startSlot = opts.startSlot ?? 1000;
    this.tip = this.startSlot;
    this.nextSlot = this.startSlot + 1;
    this.confirmedDepth = opts.confirmedDepth ?? 2;
    this.finalizedDepth = opts.finalizedDepth ?? 32;
    this.genesisMs = opts.genesisMs ?? Date.now();
    this.slotMs = opts.slotMs ?? 400;
    this.wallClock = opts.wallClock ?? false;
  }

  /** The slot a commitment level has reached. */
  slot(commitment: Commitment = "finalized"): number {
    const depth =
      commitment === "processed" ? 0 : commitment === "confirmed" ? this.confirmedDepth : this.finalizedDepth;
    return Math.max(this.startSlot, this.tip - depth);
  }

  /** Chain time of a slot (the RPC's getBlockTime, in ms). */
  timeMs(slot: number): number {
    return this.producedAtMs.get(slot) ?? this.genesisMs + (slot - this.startSlot) * this.slotMs;
  }

  /** Moves the processed tip `n` slots forward. */
  advance(n = 1): number {
    for (let i = 0; i < n; i++) {
      this.tip = Math.max(this.tip + 1, this.nextSlot);
      if (this.wallClock) this.producedAtMs.set(this.tip, Date.now());
    }
    this.nextSlot = this.tip + 1;
    return this.tip;
  }

  /**
   * A fork drops every slot after `slot`: the account versions written in
   * them are gone and the tip goes back to `slot`; the surviving fork goes
   * on after the dropped slots' numbers, which are never produced again.
   */
  rollback(slot: number): void {
    if (slot >= this.tip) throw new RangeError(`rollback to ${slot}: the tip is ${this.tip}`);
    for (const list of this.versions.values()) while ((list.at(-1)?.slot ?? -1) > slot) list.pop();
    this.nextSlot = Math.max(this.nextSlot, this.tip + 1);
    this.tip = slot;
  }

  /** Writes an account at the processed tip (data undefined closes it). */
  write(pubkey: string, owner: string, data: Uint8Array | undefined, lamports = 1_000_000): void {
    const list = this.versions.get(pubkey) ?? [];
    this.versions.set(pubkey, list);
    const version: AccountVersion = { slot: this.tip, owner, lamports, data: data && Uint8Array.from(data) };
    if (list.at(-1)?.slot === this.tip) list[list.length - 1] = version;
    else list.push(version);
  }

  /** The account as of `slot`, or undefined when it did not exist (or was closed). */
  account(pubkey: string, slot: number): AccountAt | undefined {
    const list = this.versions.get(pubkey);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const v = list[i]!;
      if (v.slot > slot) continue;
      return v.data ? { pubkey, owner: v.owner, lamports: v.lamports, data: v.data } : undefined;
    }
    return undefined;
  }

  /** Every account owned by `owner` as of `slot`, in pubkey order. */
  programAccounts(owner: string, slot: number): AccountAt[] {
    const out: AccountAt[] = [];
    for (const pubkey of [...this.versions.keys()].sort()) {
      const a = this.account(pubkey, slot);
      if (a && a.owner === owner) out.push(a);
    }
    return out;
  }
}
