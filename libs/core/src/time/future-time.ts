import { BreakwaterError, type ErrorStatus } from "../errors.js";

/** A time a message carries that lies further past its reference time than the allowed skew. */
export interface TimeAhead {
  /** The wire field that carries it ("chain_time_ms"). */
  readonly field: string;
  readonly atMs: number;
  /** How far past the reference time it lies. */
  readonly aheadMs: number;
}

/**
 * The first of `times` (wire field, time) that lies more than
 * `maxFutureSkewMs` past `referenceMs`, or undefined when none does.
 *
 * Chain time is trusted only within a bounded skew: one well-formed message
 * stamped an hour (or 75 years) ahead would otherwise become the newest point
 * of its asset and anchor every window ahead of the real market. The reference
 * is the time the stream stored the message, the same on every delivery and
 * replay, so a message rejected once is rejected again after any restart.
 */
export function firstTimeAhead(
  times: Iterable<readonly [field: string, atMs: number]>,
  referenceMs: number,
  maxFutureSkewMs: number,
): TimeAhead | undefined {
  for (const [field, atMs] of times) {
    const aheadMs = atMs - referenceMs;
    if (aheadMs > maxFutureSkewMs) return { field, atMs, aheadMs };
  }
  return undefined;
}

/**
 * A message rejected for a time too far ahead. `reference` says what the time
 * was measured against, for the message ("when the event was received"); a
 * receiver that counts these apart from other invalid messages sets `code`.
 */
export class TimeAheadError extends BreakwaterError {
  override readonly status: ErrorStatus = "invalid_argument";
  readonly field: string;
  readonly aheadMs: number;
  readonly maxFutureSkewMs: number;

  constructor(
    ahead: Pick<TimeAhead, "field" | "aheadMs">,
    maxFutureSkewMs: number,
    reference: string,
    context: Record<string, unknown> = {},
    code = "future_time",
  ) {
    super(
      code,
      `${ahead.field} is ${ahead.aheadMs} ms ahead of ${reference} (at most ${maxFutureSkewMs} ms allowed)`,
      { field: ahead.field, aheadMs: ahead.aheadMs, maxFutureSkewMs, ...context },
    );
    this.field = ahead.field;
    this.aheadMs = ahead.aheadMs;
    this.maxFutureSkewMs = maxFutureSkewMs;
  }
}
