import type { ChainEventKind, ChainEventOf } from "@breakwater/bus";

/**
 * The contract between a chain driver (sim, EVM via viem, Solana via web3.js)
 * and the watcher runtime. A driver knows how to follow one chain; the runtime
 * knows how to publish, checkpoint and report health. Nothing else crosses.
 */

/** A block (or slot) on the chain being followed. */
export interface BlockRef {
  readonly number: number;
  readonly hash: string;
  /** Chain time of the block (block timestamp or slot time), Unix ms. */
  readonly timeMs: number;
}

/** Driver state a restart needs besides the block, e.g. the sim's genesis. JSON only. */
export type ResumeData = Readonly<Record<string, string | number | boolean>>;

/**
 * The last block whose events were all published. Saved after the publishes,
 * so a crash in between republishes the block's events (the bus drops the
 * duplicates by event id) and never skips one.
 */
export interface Checkpoint {
  readonly chainId: string;
  /** Which driver wrote it (`sim`, `evm`, `solana`). */
  readonly driver: string;
  readonly blockNumber: number;
  readonly blockHash: string;
  readonly blockTimeMs: number;
  readonly resume: ResumeData;
  /** Wall-clock time of the save, Unix ms. */
  readonly savedAtMs: number;
}

/**
 * One normalized event derived from a block: a chain event of any kind but the
 * heartbeat, which the runtime publishes on its own clock. Ids are built from
 * chain coordinates.
 */
export type BlockEvent = ChainEventOf<BlockEventKind>;

export type BlockEventKind = Exclude<ChainEventKind, "heartbeat">;

/**
 * Where a driver hands what it sees. Every method resolves only once the
 * runtime has done its part (the bus stored the event, the checkpoint was
 * written), so a driver that awaits each call never runs ahead of durability.
 */
export interface ChainEventSink {
  /** The chain's head moved (what exists on chain, processed or not). */
  head(head: BlockRef): Promise<void>;
  /** Publishes one event of the block being processed. */
  publish(event: BlockEvent): Promise<void>;
  /**
   * Publishes several events at once, in no particular order among them (so
   * never two states of one position in one call); resolves when every one is
   * stored. Optional: a driver without it publishes one event at a time.
   */
  publishBatch?(events: readonly BlockEvent[]): Promise<void>;
  /** Every event of `block` is published: the runtime checkpoints it. */
  processed(block: BlockRef, resume: ResumeData): Promise<void>;
  /** The driver has trouble following (RPC errors, garbage), or `undefined` once it is over. */
  trouble(detail: string | undefined): void;
}

/** Follows one chain and emits its normalized events in block order. */
export interface ChainDriver {
  /** Short name written into checkpoints (`sim`, `evm`, `solana`). */
  readonly kind: string;
  readonly chainId: string;
  /**
   * Follows the chain from the block after `from` (or from the driver's own
   * start when there is no checkpoint) until `signal` aborts, then resolves
   * after finishing the block in hand. A driver publishes a block's events
   * before reporting it processed, and retracts events of blocks a reorg
   * removed before publishing their replacements. Rejects on a failure it
   * cannot ride out; the runtime restarts it from the last checkpoint.
   */
  start(from: Checkpoint | undefined, sink: ChainEventSink, signal: AbortSignal): Promise<void>;
}
