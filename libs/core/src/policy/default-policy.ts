import type { BreakerLevel, MarginBoundsParams, PolicyDocument } from "./types.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const LEVEL_1: BreakerLevel = { level: 1, threshold: 0.07, haltMs: 15 * MINUTE, mode: "full" };

/** Rule 80B's levels: 7% and 13% halt for 15 minutes, 20% for the rest of the day. */
export const RULE_80B_LEVELS: readonly BreakerLevel[] = [
  LEVEL_1,
  { level: 2, threshold: 0.13, haltMs: 15 * MINUTE, mode: "full" },
  { level: 3, threshold: 0.2, haltMs: 0, mode: "full" },
];

export const DEFAULT_MARGIN_BOUNDS: MarginBoundsParams = {
  floor: 1,
  cap: 3,
  buffer: 0.25,
  maxStepUp: 0.3,
  maxStepDown: 0.1,
  intervalMs: MINUTE,
  loosenCooldownMs: 30 * MINUTE,
  minChange: 0.02,
  maintenanceShare: 0.5,
};

export interface DefaultPolicyOptions {
  /** Level-1 threshold (higher levels above it are kept). */
  readonly threshold?: number;
  readonly windowMs?: number;
  /** Halt of levels 1 and 2. */
  readonly haltMs?: number;
  readonly periodMs?: number;
  readonly mode?: "full" | "reduce-only";
}

/** What `defaultPolicy` uses for options not given: Rule 80B level 1 (7% fall within 5 minutes, 15-minute halt, once a day). */
export const DEFAULT_BREAKER_OPTIONS: Required<DefaultPolicyOptions> = {
  threshold: LEVEL_1.threshold,
  windowMs: 5 * MINUTE,
  haltMs: LEVEL_1.haltMs,
  periodMs: DAY,
  mode: LEVEL_1.mode,
};

/**
 * The policy used when no policy file is given: the Rule 80B circuit breaker
 * levels on a 5-minute window with a daily reset (level 1 as configured), and
 * oracle-divergence and chain-liveness rules in shadow mode (recorded, not sent).
 */
export function defaultPolicy(opts: DefaultPolicyOptions = {}): PolicyDocument {
  const l1 = opts.threshold ?? DEFAULT_BREAKER_OPTIONS.threshold;
  const mode = opts.mode ?? DEFAULT_BREAKER_OPTIONS.mode;
  const haltMs = opts.haltMs ?? DEFAULT_BREAKER_OPTIONS.haltMs;
  const levels = RULE_80B_LEVELS.filter((l) => l.level === 1 || l.threshold > l1).map((l) => ({
    ...l,
    threshold: l.level === 1 ? l1 : l.threshold,
    haltMs: l.haltMs === 0 ? 0 : haltMs,
    mode,
  }));
  return {
    version: 1,
    margin: { id: "margin", mode: "enforce", params: DEFAULT_MARGIN_BOUNDS },
    rules: [
      {
        kind: "circuit-breaker",
        id: "circuit-breaker",
        mode: "enforce",
        params: {
          levels,
          windowMs: opts.windowMs ?? DEFAULT_BREAKER_OPTIONS.windowMs,
          direction: "down",
          periodMs: opts.periodMs ?? DEFAULT_BREAKER_OPTIONS.periodMs,
          resetOffsetMs: 0,
        },
        overrides: [],
      },
      {
        kind: "oracle-divergence",
        id: "oracle-divergence",
        mode: "shadow",
        params: { haltDivergence: 0.05, resumeDivergence: 0.01, resumeHoldMs: 60_000, mode: "full" },
        overrides: [],
      },
      {
        kind: "chain-liveness",
        id: "chain-liveness",
        mode: "shadow",
        params: { minStaleShare: 0.25, multiplier: 1.5 },
        overrides: [],
      },
    ],
  };
}
