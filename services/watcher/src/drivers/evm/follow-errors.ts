import { asError, BreakwaterError, type ErrorStatus } from "@breakwater/core";
import type { ChainEventSink } from "../../chain-driver.js";

/** The chain changed under a read (a reorg in the middle of a range, a block not there yet): redo it. */
export class ChainMovedError extends BreakwaterError {
  override readonly status: ErrorStatus = "unavailable";
  override readonly retryable = true;
  constructor(detail: string, context: Record<string, unknown>) {
    super("chain_moved", detail, context);
  }
}

/** The first block of a range does not continue the last one processed: a reorg. */
export class ParentMismatchError extends BreakwaterError {
  constructor(block: number, parentHash: string, expected: string) {
    super("parent_mismatch", parentMismatch(block, parentHash, expected), { block, parentHash, expected });
  }
}

/** Why block `block` does not continue the chain processed so far. */
export function parentMismatch(block: number, parentHash: string, expected: string): string {
  return `block ${block}'s parent ${parentHash} is not ${expected}`;
}

/**
 * A failure of the runtime's side of the sink (storing events, saving a
 * checkpoint), carried through the follower untouched. It is never the
 * follower's to retry, however retryable `failure` is: the runtime rides it
 * out by restarting the driver from its last checkpoint and reporting the
 * chain down meanwhile.
 */
export class SinkFailure extends BreakwaterError {
  constructor(readonly failure: unknown) {
    super("sink_failed", asError(failure).message, {}, failure);
  }
}

/** `sink` with every rejection it gives wrapped as a SinkFailure. */
export function sinkFailuresMarked(sink: ChainEventSink): ChainEventSink {
  const marked =
    <A extends unknown[]>(call: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      try {
        await call(...args);
      } catch (err) {
        throw new SinkFailure(err);
      }
    };
  const batch = sink.publishBatch?.bind(sink);
  return {
    head: marked(sink.head.bind(sink)),
    publish: marked(sink.publish.bind(sink)),
    ...(batch ? { publishBatch: marked(batch) } : {}),
    processed: marked(sink.processed.bind(sink)),
    trouble: (detail) => sink.trouble(detail),
  };
}
