import { BreakwaterError, type ErrorStatus } from "@breakwater/core";

/** A simulation scenario that cannot be used; `problems` names every bad field. */
export class ScenarioError extends BreakwaterError {
  override readonly status: ErrorStatus = "invalid_argument";
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[], cause?: unknown) {
    super(
      "invalid_scenario",
      `invalid scenario ${source}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
      { source },
      cause,
    );
    this.problems = problems;
  }
}

/** A stored checkpoint that this driver cannot resume from: no retry helps, the operator must act. */
export class CheckpointMismatchError extends BreakwaterError {
  override readonly status: ErrorStatus = "failed_precondition";
  constructor(chainId: string, reason: string, hint: string) {
    super("checkpoint_mismatch", `cannot resume chain ${chainId}: ${reason} (${hint})`, { chainId, reason });
  }
}

/**
 * Refuses a checkpoint whose resume field `key` is not `expected` (`what`
 * names it in the message), or that another driver wrote: a watcher never
 * resumes another chain's or another driver's position.
 */
export function requireCheckpointOf(
  from: { readonly driver: string; readonly resume: Readonly<Record<string, unknown>> },
  chainId: string,
  driverKind: string,
  field: { readonly key: string; readonly expected: unknown; readonly what: string },
  hint: string,
): void {
  if (from.driver !== driverKind)
    throw new CheckpointMismatchError(
      chainId,
      `the checkpoint was written by the ${from.driver} driver`,
      hint,
    );
  if (from.resume[field.key] !== field.expected)
    throw new CheckpointMismatchError(
      chainId,
      `the checkpoint ${field.what} ${String(from.resume[field.key])}, this is ${String(field.expected)}`,
      hint,
    );
}

/** A checkpoint in the bucket that is not a checkpoint (corrupted or written by something else). */
export class CorruptCheckpointError extends BreakwaterError {
  override readonly status: ErrorStatus = "failed_precondition";
  constructor(chainId: string, reason: string, cause?: unknown) {
    super(
      "corrupt_checkpoint",
      `checkpoint of chain ${chainId} is unreadable: ${reason} (inspect or delete the key to start over)`,
      { chainId },
      cause,
    );
  }
}
