import { BreakwaterError, type ErrorStatus } from "@breakwater/core";
import type { BlockEvent } from "../../../chain-driver.js";

/** A getProgramAccounts filter, as the Solana RPC takes it (memcmp bytes in base58). */
export type AccountFilter =
  | { readonly dataSize: number }
  | { readonly memcmp: { readonly offset: number; readonly bytes: string } };

/** One program-account query an adapter needs each poll. */
export interface AccountQuery {
  readonly programId: string;
  readonly filters: readonly AccountFilter[];
  /**
   * Reference accounts (a venue's markets): decoded on every read, changed or
   * not, so the adapter always holds them (after a restart too); their
   * events, if any, are not published.
   */
  readonly reference?: boolean;
  /**
   * Reads the query in 256 parts, one per value of the byte at this offset
   * (a memcmp filter each), for program account sets too large for one answer.
   */
  readonly partitionByte?: number;
}

/** What an adapter knows besides the account's bytes. */
export interface AccountContext {
  readonly chainId: string;
  /** The slot the account was read at (the response's context.slot). */
  readonly slot: number;
  /** Chain time of that slot, Unix ms. */
  readonly slotTimeMs: number;
  readonly observedAtMs: number;
  /** The event id of this account state: `<chain>:<slot>:<account>:<data hash>`; adapters suffix it per event. */
  readonly eventId: string;
}

/**
 * Turns the accounts of one program into normalized events. `queries` are
 * read in order each poll, and every account of query i is decoded before
 * any of query i+1 (so an adapter may read its market accounts before its
 * user accounts).
 */
export interface AccountAdapter {
  readonly name: string;
  readonly queries: readonly AccountQuery[];
  /** Events of one account state; throws AccountDecodeError for bytes it cannot accept. */
  decode(query: number, pubkey: string, data: Uint8Array, ctx: AccountContext): BlockEvent[];
  /**
   * Optional: after a full read of `query`, the accounts it published before
   * that the read no longer holds (closed accounts), each with the events that
   * close what it published. `ctx.eventId` is per call; suffix it per account.
   */
  closed?(
    query: number,
    present: ReadonlySet<string>,
    ctx: AccountContext,
  ): { account: string; events: BlockEvent[] }[];
}

/** Why an account was rejected: the `reason` label of bw_watcher_accounts_rejected_total. */
export type AccountRejection =
  | "malformed"
  | "unknown_market"
  | "stale"
  | "wide_confidence"
  | "partial_verification"
  | "out_of_range";

/** An account an adapter cannot turn into events: counted by reason, logged, never published. */
export class AccountDecodeError extends BreakwaterError {
  override readonly status: ErrorStatus = "invalid_argument";
  constructor(
    readonly kind: AccountRejection,
    readonly account: string,
    detail: string,
  ) {
    super(`account_${kind}`, `account ${account}: ${detail}`, { account, kind });
  }
}
