import { BreakwaterError } from "@breakwater/core";

/** The chain changed under a read (a reorg in the middle of a range, a block not there yet): redo it. */
export class ChainMovedError extends BreakwaterError {
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
