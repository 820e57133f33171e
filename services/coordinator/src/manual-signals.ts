import {
  BreakwaterError,
  type ErrorStatus,
  InvalidRequestError,
  isAssetId,
  isId,
  isVenueId,
  type SignalDraft,
} from "@breakwater/core";
import type { Principal } from "@breakwater/identity";
import { HaltMode, type Signal, SignalKind } from "@breakwater/proto";
import { z } from "zod";

// Manual signals: what an operator may ask for, which direction is easy (one
// operator) and which is hard (a second, distinct operator approves), and the
// draft that goes into the signal log. Pure: the desk (operator-desk.ts) does the I/O.

const ids = (check: (s: string) => boolean, what: string) =>
  z
    .array(z.string().refine(check, `must be ${what}`))
    .max(1_000)
    .default([]);

const requestSchema = z.strictObject({
  action: z.enum(["halt", "resume", "margin", "advisory"]),
  scope: z
    .strictObject({
      assets: ids(isAssetId, "asset ids"),
      markets: ids(isId, "market ids"),
      venues: ids(isVenueId, "venue ids"),
      chains: ids(isId, "chain ids"),
    })
    .default({ assets: [], markets: [], venues: [], chains: [] }),
  /** Why: required, audited, and carried in the signal. */
  reason: z.string().trim().min(3, "must say why (3 characters or more)").max(500),
  /** halt: breaker level 1-3 (default 1), mode, and how long (0 = until a resume). */
  level: z.number().int().min(1).max(3).default(1),
  mode: z.enum(["full", "reduce-only"]).default("full"),
  durationMs: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400_000)
    .default(0),
  /** resume: the sequence of the halt it ends. */
  resumesSequence: z.number().int().positive().optional(),
  /** margin: the multipliers to apply. */
  initialMultiplier: z.number().min(0.1).max(20).optional(),
  maintenanceMultiplier: z.number().min(0.1).max(20).optional(),
  /** advisory: a code and message. */
  code: z
    .string()
    .regex(/^[a-z0-9_]{1,64}$/, "must be lowercase letters, digits and _")
    .default("operator_notice"),
  message: z.string().max(1_000).default(""),
});

export type ManualRequest = z.infer<typeof requestSchema>;

/** The manual request is well formed but cannot be served (a resume of no halt, an expired approval). */
export class ManualRequestError extends BreakwaterError {
  override readonly status: ErrorStatus;
  constructor(status: ErrorStatus, code: string, message: string, context: Record<string, unknown> = {}) {
    super(code, message, context);
    this.status = status;
  }
}

/** Validates a request body; InvalidRequestError naming the first bad field. */
export function parseManualRequest(body: unknown): ManualRequest {
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidRequestError(issue.path.join(".") || "body", issue.message);
  }
  const req = parsed.data;
  if (req.action === "resume" && req.resumesSequence === undefined) {
    throw new InvalidRequestError("resumesSequence", "a resume names the sequence of the halt it ends");
  }
  if (
    req.action === "margin" &&
    (req.initialMultiplier === undefined || req.maintenanceMultiplier === undefined)
  ) {
    throw new InvalidRequestError(
      "initialMultiplier",
      "a margin change gives initialMultiplier and maintenanceMultiplier",
    );
  }
  return req;
}

/** The initial-margin multiplier in force for the scope's assets: the highest of the latest per asset (1 if none). */
function multiplierInForce(signals: Iterable<Signal>, assets: readonly string[]): number {
  const latest = new Map<string, number>();
  for (const s of signals) {
    if (s.action?.$case !== "marginAdjustment") continue;
    const scoped = s.scope?.assets ?? [];
    for (const asset of scoped.length > 0 ? scoped : ["*"])
      latest.set(asset, s.action.value.initialMultiplier);
  }
  const relevant = assets.length > 0 ? [...assets, "*"] : [...latest.keys()];
  let highest = 1;
  for (const a of relevant) highest = Math.max(highest, latest.get(a) ?? 1);
  return highest;
}

/**
 * The hard direction needs a second operator: any resume, and a margin change
 * below the multiplier in force (loosening). A halt, an advisory and a
 * tightening need one. (Wormhole's governance pause and CCIP's curse/uncurse
 * separate the directions the same way.)
 */
export function needsSecondOperator(req: ManualRequest, log: Iterable<Signal>): boolean {
  if (req.action === "resume") return true;
  if (req.action === "margin") return (req.initialMultiplier ?? 1) < multiplierInForce(log, req.scope.assets);
  return false;
}

/** Checks a resume against the log: it must end a halt that is there. */
export function checkResumeTarget(
  req: ManualRequest,
  signalAt: (sequence: number) => Signal | undefined,
): Signal | undefined {
  if (req.action !== "resume") return undefined;
  const halt = signalAt(req.resumesSequence ?? 0);
  if (halt?.action?.$case !== "circuitBreaker") {
    throw new ManualRequestError(
      "failed_precondition",
      "no_such_halt",
      `sequence ${req.resumesSequence} is not a halt in the signal log`,
      { resumesSequence: req.resumesSequence },
    );
  }
  return halt;
}

/** The signal a manual request becomes, carrying who asked (and who approved) and why. */
export function manualDraft(
  req: ManualRequest,
  requestId: string,
  requestedBy: Principal,
  approvedBy?: Principal,
  halt?: Signal,
): SignalDraft {
  const who = approvedBy
    ? `requested by operator ${requestedBy.name}, approved by operator ${approvedBy.name}`
    : `by operator ${requestedBy.name}`;
  const evidence = [
    { name: "requested_by", value: 0, threshold: 0, detail: requestedBy.uri },
    ...(approvedBy ? [{ name: "approved_by", value: 0, threshold: 0, detail: approvedBy.uri }] : []),
    { name: "request_id", value: 0, threshold: 0, detail: requestId },
  ];
  const scope = halt && req.action === "resume" && isEmptyScope(req.scope) ? halt.scope : req.scope;
  const base = {
    signalId: `operator:${requestId}`,
    ruleId: "operator",
    scope: {
      assets: scope?.assets ?? [],
      markets: scope?.markets ?? [],
      venues: scope?.venues ?? [],
      chains: scope?.chains ?? [],
    },
    evidence,
  };
  switch (req.action) {
    case "halt":
      return {
        ...base,
        kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
        reason: `manual halt ${who}: ${req.reason}`,
        action: {
          $case: "circuitBreaker",
          value: {
            level: req.level,
            durationMs: req.durationMs,
            mode: req.mode === "full" ? HaltMode.HALT_MODE_FULL : HaltMode.HALT_MODE_REDUCE_ONLY,
          },
        },
        durationMs: req.durationMs,
      };
    case "resume":
      return {
        ...base,
        kind: SignalKind.SIGNAL_KIND_RESUME,
        reason: `manual resume of #${req.resumesSequence} ${who}: ${req.reason}`,
        action: { $case: "resume", value: { resumesSequence: req.resumesSequence ?? 0 } },
        durationMs: 0,
      };
    case "margin":
      return {
        ...base,
        kind: SignalKind.SIGNAL_KIND_MARGIN_ADJUSTMENT,
        reason: `manual margin change ${who}: ${req.reason}`,
        action: {
          $case: "marginAdjustment",
          value: {
            initialMultiplier: req.initialMultiplier ?? 1,
            maintenanceMultiplier: req.maintenanceMultiplier ?? 1,
          },
        },
        durationMs: 0,
      };
    case "advisory":
      return {
        ...base,
        kind: SignalKind.SIGNAL_KIND_ADVISORY,
        reason: `advisory ${who}: ${req.reason}`,
        action: { $case: "advisory", value: { code: req.code, message: req.message } },
        durationMs: 0,
      };
  }
}

function isEmptyScope(s: ManualRequest["scope"]): boolean {
  return s.assets.length + s.markets.length + s.venues.length + s.chains.length === 0;
}
