import { BreakwaterError, type ErrorStatus, InvalidRequestError } from "@breakwater/core";
import type { RunStressRequest } from "@breakwater/proto";
import { z } from "zod";

/** A request body over the size limit (HTTP 413). */
export class RequestTooLargeError extends BreakwaterError {
  override readonly status: ErrorStatus = "invalid_argument";
  constructor(readonly limitBytes: number) {
    super("request_too_large", `the body exceeds ${limitBytes} bytes`, { limitBytes });
  }

  toJSON(): { error: string; limitBytes: number; reason: string } {
    return { error: this.code, limitBytes: this.limitBytes, reason: this.message };
  }
}

const finite = z.number().refine(Number.isFinite, "must be a finite number");

/** `POST /v1/stress` body: the RunStressRequest's JSON (camelCase), unknown keys rejected. */
const stressBody = z.strictObject({
  shocks: z.array(z.strictObject({ asset: z.string(), move: finite })),
  maxRounds: z.number().int().min(0).optional(),
  depth: z.array(z.strictObject({ asset: z.string(), notionalPer1pct: finite, exponent: finite })).optional(),
  insuranceFunds: z.array(z.strictObject({ venueId: z.string(), amount: finite })).optional(),
  propagate: z.boolean().optional(),
});

function fieldOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, p) => (typeof p === "number" ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)),
    "",
  );
}

/** Parses and checks the body's shape; InvalidRequestError names the first bad field. Limits are checked by `runStress`. */
export function parseStressBody(text: string): RunStressRequest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidRequestError("body", "is not JSON");
  }
  const parsed = stressBody.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidRequestError(fieldOf(issue.path) || "body", issue.message);
  }
  const b = parsed.data;
  return {
    shocks: b.shocks,
    maxRounds: b.maxRounds ?? 0,
    depth: b.depth ?? [],
    insuranceFunds: b.insuranceFunds ?? [],
    propagate: b.propagate ?? false,
  };
}
