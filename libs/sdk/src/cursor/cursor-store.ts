import { Signal } from "@breakwater/proto";
import type { MarketControlsJson } from "../market-controls.js";

/**
 * Where the venue is in the signal log: everything in its scope up to
 * `covered` has been received durably, and `lastInScope` is the last signal
 * in its scope it received (the SDK proves continuity from it on restart).
 */
export interface CursorPosition {
  readonly covered: number;
  readonly lastInScope: number | undefined;
}

/** An ack the coordinator has not confirmed yet; re-sent after a restart. */
export interface PendingAck {
  readonly sequence: number;
  readonly outcome: "applied" | "skipped";
  readonly detail?: string;
}

/** Everything the SDK needs to resume exactly where it stopped. */
export interface CursorRecord {
  readonly position: CursorPosition;
  /** Received, not yet applied, in sequence order: rescheduled on restart. */
  readonly inbox: readonly Signal[];
  readonly pendingAcks: readonly PendingAck[];
  readonly controls: MarketControlsJson | undefined;
}

export const EMPTY_CURSOR: CursorRecord = {
  position: { covered: 0, lastInScope: undefined },
  inbox: [],
  pendingAcks: [],
  controls: undefined,
};

/** How a signal left the inbox. */
export type ApplyOutcome = "applied" | "skipped";

/**
 * The SDK's durable state, one per venue. Every method is atomic: after a
 * crash the record is as it was before the call or as the call left it.
 * `Tx` is what the venue's own state change runs in (a database transaction
 * for the PostgreSQL store, the stored venue state for the file store), so
 * that change and the cursor commit together: exactly once.
 */
export interface CursorStore<Tx = unknown> {
  load(): Promise<CursorRecord>;
  /** Adds a received signal to the inbox and moves the position to it. */
  receive(signal: Signal, position: CursorPosition): Promise<void>;
  /** Moves the position without a signal (markers proved nothing was in scope). */
  advance(position: CursorPosition): Promise<void>;
  /**
   * Runs `effect` and, in the same commit, takes `sequence` out of the inbox,
   * stores `controls` and queues its ack. When `effect` throws nothing changes
   * and the error propagates. Resolves false (running nothing) when `sequence`
   * is not in the inbox: it was applied already.
   */
  apply(
    sequence: number,
    outcome: ApplyOutcome,
    controls: MarketControlsJson,
    effect: ((tx: Tx) => Promise<void> | void) | undefined,
    detail?: string,
  ): Promise<boolean>;
  /** The coordinator confirmed these acks. */
  acked(sequences: readonly number[]): Promise<void>;
  close(): Promise<void>;
}

/** Signals are kept in their wire encoding: what was signed is what is stored. */
export function encodeStoredSignal(signal: Signal): Uint8Array {
  return Signal.encode(signal).finish();
}

export function decodeStoredSignal(bytes: Uint8Array): Signal {
  return Signal.decode(bytes);
}
