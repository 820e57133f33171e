import type { Logger } from "@breakwater/telemetry";
import type { BlockRef, Checkpoint, ResumeData } from "../../chain-driver.js";
import { requireCheckpointOf } from "../../errors.js";
import { ChainWindow } from "./chain-window.js";

/** Where a run of the driver stands. */
export interface Cursor {
  window: ChainWindow;
  /** The last processed block (the parent the next block must have); undefined = accept any parent. */
  last: BlockRef | undefined;
  /** The next block to process; undefined until the first head decides it. */
  next: number | undefined;
}

export const refOf = (h: { number: number; hash: string; timeMs: number }): BlockRef => ({
  number: h.number,
  hash: h.hash,
  timeMs: h.timeMs,
});

export interface RestoreOptions {
  readonly chainId: string;
  readonly driverKind: string;
  /** EIP-155 id of the chain followed: a checkpoint of another chain is refused. */
  readonly chainNumericId: number;
  readonly windowBlocks: number;
  readonly log: Logger;
}

/**
 * The cursor a checkpoint resumes at (a fresh one without). Throws
 * CheckpointMismatchError for a checkpoint of another driver or chain; an
 * unreadable window is replaced by a new one (only retractions after a
 * restart need it).
 */
export function restoreCursor(from: Checkpoint | undefined, opts: RestoreOptions): Cursor {
  const window = new ChainWindow(opts.windowBlocks);
  if (!from) return { window, last: undefined, next: undefined };
  const hint = `point the watcher at the chain that wrote it, or delete key "${opts.chainId}" from the checkpoint bucket`;
  requireCheckpointOf(
    from,
    opts.chainId,
    opts.driverKind,
    { key: "chainNumericId", expected: opts.chainNumericId, what: "is of EVM chain" },
    hint,
  );
  let restored = window;
  const text = from.resume["window"];
  if (typeof text === "string") {
    try {
      restored = ChainWindow.parse(text, opts.windowBlocks);
    } catch (err) {
      opts.log.warn(
        { chain: opts.chainId, err: String(err) },
        "checkpoint window unreadable; starting a new one",
      );
    }
  }
  if ((restored.newest?.number ?? -1) < from.blockNumber)
    restored.add({ number: from.blockNumber, hash: from.blockHash, eventIds: [] });
  return {
    window: restored,
    last: { number: from.blockNumber, hash: from.blockHash, timeMs: from.blockTimeMs },
    next: from.blockNumber + 1,
  };
}

/** What a checkpoint keeps of the cursor besides the block: the chain and the window. */
export function resumeOf(cursor: Cursor, chainNumericId: number): ResumeData {
  return { chainNumericId, window: cursor.window.serialize() };
}
