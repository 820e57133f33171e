import { BreakwaterError } from "@breakwater/core";
import type { PositionUpdate, PriceTick } from "@breakwater/proto";
import { type AbiEvent, toEventSelector } from "viem";
import type { BlockEvent } from "../../../chain-driver.js";
import type { ChainLog } from "../rpc-schemas.js";

/** Reads a contract's state as of a block (eth_call through the chain's RPC pool). */
export interface ContractReader {
  call(to: `0x${string}`, data: `0x${string}`, blockNumber: number): Promise<`0x${string}`>;
}

/** What an adapter knows about the log it decodes besides the log. */
export interface LogContext {
  /** Breakwater chain id. */
  readonly chainId: string;
  /**
   * The block's time (Unix ms) for adapters that declare `needsBlockTime`;
   * 0 for the others, whose events' `chain_time_ms` the driver stamps from
   * the block header before publishing (so their decoding can overlap the
   * header reads).
   */
  readonly blockTimeMs: number;
  readonly observedAtMs: number;
  readonly reader: ContractReader;
}

/**
 * Maps one venue's or oracle's logs to normalized events. One adapter per
 * contract kind; each is small and knows only its own ABI.
 */
export interface LogAdapter {
  /** Label in logs and metrics, e.g. `perp-venue:perp-evm`. */
  readonly name: string;
  /** Contracts whose logs this adapter decodes (lowercase). */
  readonly addresses: readonly `0x${string}`[];
  /** The adapter uses `ctx.blockTimeMs` while decoding (not just for events' chain time). */
  readonly needsBlockTime?: boolean;
  /**
   * The events derived from `log` (none for events the adapter ignores).
   * Throws LogDecodeError for a log of a known event that cannot be decoded.
   */
  decode(log: ChainLog, ctx: LogContext): Promise<BlockEvent[]>;

  // Optional capabilities: the driver uses what an adapter offers and knows no adapter class.

  /**
   * Reads the state the adapter decodes against, as of `blockNumber` (the
   * block before the first one followed), once per run before any log.
   */
  prepare?(reader: ContractReader, blockNumber: number): Promise<void>;
  /**
   * Why the chain's prices at chain time `atMs` cannot be trusted (an L2
   * sequencer that is down), or undefined when they can: price ticks are
   * withheld meanwhile, and at the head it is a trouble of the chain.
   */
  distrustPrices?(atMs: number): PriceDistrust | undefined;
  /**
   * The source's latest update as of `blockNumber`, judged at chain time
   * `nowMs` (an oracle feed against its heartbeat); checked every
   * `feedCheckMs` while the driver is caught up.
   */
  freshness?(reader: ContractReader, blockNumber: number, nowMs: number): Promise<FeedFreshness>;
  /**
   * Calls `listener` whenever `addresses` changes (a feed proxy pointing at a
   * new aggregator): logs are read from the new set from the next request on.
   */
  onAddressesChange?(listener: () => void): void;
}

/** Why prices cannot be trusted for now. */
export interface PriceDistrust {
  /** Label of the withheld prices in `bw_watcher_prices_withheld_total`, e.g. "down" or "grace". */
  readonly reason: string;
  /** For people: the chain's trouble while it lasts. */
  readonly detail: string;
}

/** The latest update of a source and whether it is older than its heartbeat. */
export interface FeedFreshness {
  readonly feed: string;
  readonly updatedAtMs: number;
  readonly ageSeconds: number;
  readonly stale: boolean;
  /** Why the latest answer cannot be trusted though it is fresh (at the aggregator's bound), if it cannot. */
  readonly suspect?: string | undefined;
}

/**
 * A log of a known event that its adapter cannot turn into an event, or
 * refuses to (`kind`, the `reason` label of `bw_watcher_logs_rejected_total`:
 * "undecodable", or e.g. "answer_at_bound").
 */
export class LogDecodeError extends BreakwaterError {
  constructor(
    readonly adapter: string,
    readonly reason: string,
    log: Pick<ChainLog, "blockNumber" | "logIndex" | "transactionHash">,
    cause?: unknown,
    readonly kind = "undecodable",
  ) {
    super(
      "log_decode_failed",
      `${adapter}: cannot decode log ${log.blockNumber}/${log.logIndex}: ${reason}`,
      { adapter, block: log.blockNumber, logIndex: log.logIndex, tx: log.transactionHash },
      cause,
    );
  }
}

/** The chain coordinates every event carries. */
export function coordinatesOf(log: ChainLog): NonNullable<PositionUpdate["coordinates"]> {
  return {
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
    logIndex: log.logIndex,
    txHash: log.transactionHash,
  };
}

export const position = (value: PositionUpdate): BlockEvent => ({ kind: "position", value });
export const price = (value: PriceTick): BlockEvent => ({ kind: "price", value });

/** A bytes32 holding a short string (e.g. a market name), without the zero padding. */
export function bytes32ToText(value: `0x${string}`): string {
  const bytes = Buffer.from(value.slice(2), "hex");
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString("utf8");
}

/** The topic0 selectors of an ABI's events, lowercase: a cheap filter before decoding. */
export function eventSelectors(abi: readonly { type: string }[]): ReadonlySet<string> {
  return new Set(
    abi.filter((x): x is AbiEvent => x.type === "event").map((e) => toEventSelector(e).toLowerCase()),
  );
}
