import { BreakwaterError } from "@breakwater/core";
import type { PositionUpdate, PriceTick } from "@breakwater/proto";
import { type AbiEvent, toEventSelector } from "viem";
import type { ChainEvent } from "../../../chain-driver.js";
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
  decode(log: ChainLog, ctx: LogContext): Promise<ChainEvent[]>;
}

/** A log of a known event that its adapter cannot turn into an event. */
export class LogDecodeError extends BreakwaterError {
  constructor(
    readonly adapter: string,
    readonly reason: string,
    log: Pick<ChainLog, "blockNumber" | "logIndex" | "transactionHash">,
    cause?: unknown,
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

export const position = (event: PositionUpdate): ChainEvent => ({ kind: "position", event });
export const price = (event: PriceTick): ChainEvent => ({ kind: "price", event });

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
