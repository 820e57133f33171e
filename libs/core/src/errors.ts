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

  constructor(what: string, problems: readonly string[], context: Record<string, unknown> = {}) {
    super("invalid_input", `invalid ${what}: ${problems.join("; ")}`, context);
    this.problems = problems;
  }
}

/** Turns anything thrown into an Error without losing it. */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
