/**
 * The root of Breakwater's typed errors: a short message, a machine-readable
 * code, the offending input as context, and the original cause.
 */
export class BreakwaterError extends Error {
  readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}

/** An event, message or query that breaks the domain's rules. */
export class ValidationError extends BreakwaterError {
  readonly problems: readonly string[];

  constructor(
    what: string,
    problems: readonly string[],
    context: Record<string, unknown> = {},
    code = "invalid_input",
  ) {
    super(code, `invalid ${what}: ${problems.join("; ")}`, context);
    this.problems = problems;
  }
}

/**
 * An event whose amounts are not finite or lie past the bounds in force (a
 * price of 10^308 is a well-formed decimal, and it turns exposure into
 * Infinity). Code `amount_out_of_bounds`, so a consumer can count these apart
 * from other invalid events.
 */
export class AmountOutOfBoundsError extends ValidationError {
  constructor(what: string, problems: readonly string[], context: Record<string, unknown> = {}) {
    super(what, problems, context, "amount_out_of_bounds");
  }
}

/** Turns anything thrown into an Error without losing it. */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
