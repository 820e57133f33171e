import { allDayCalendar } from "../calendar/calendar.js";
import type { BreakerLevel, MarginBoundsParams, MarketWideLevel, PolicyDocument } from "./types.js";

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

/** What `defaultPolicy`'s velocity rule uses for options not given: level 1 at a 7% fall within 5 minutes, a 15-minute halt, each level once a day. */
export const DEFAULT_BREAKER_OPTIONS: Required<DefaultPolicyOptions> = {
  threshold: LEVEL_1.threshold,
  windowMs: 5 * MINUTE,
  haltMs: LEVEL_1.haltMs,
  periodMs: DAY,
  mode: LEVEL_1.mode,
};

/** The daily levels of the embedded default: Rule 80B's 7/13/20%, measured from the day's 00:00 UTC price. */
export const DAILY_LEVELS: readonly MarketWideLevel[] = RULE_80B_LEVELS.map((l) => ({
  level: l.level,
  threshold: l.threshold,
  haltMs: l.haltMs,
  mode: "full",
}));

/**
 * The policy used when no policy file is given, an honest default for 24/7
 * markets (no exchange rule applies to them; `examples/policies/default-24x7.yaml`
 * is the same idea as a file):
 * - `circuit-breaker`, the velocity rule: a fall of the level's threshold
 *   below the high of the last `windowMs` (5 minutes) halts, each level once a
 *   period (a day); catches a fast crash from the first price seen;
 * - `daily`, the slow-fall rule: Rule 80B's 7/13/20% measured from the day's
 *   reference (the last price at or before 00:00 UTC), levels 1 and 2 halting
 *   15 minutes and level 3 to the end of the UTC day, each once a day; it arms
 *   at the first midnight the coordinator has seen a price before (the close is
 *   recorded in the signal log, so restarts keep it);
 * - oracle divergence enforced (a split of sources halts; a single source
 *   never diverges, so it acts only where several sources exist);
 * - chain liveness enforced (margin tightens on an asset whose exposure sits
 *   on stale or degraded chains).
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
        kind: "market-wide-breaker",
        id: "daily",
        mode: "enforce",
        params: { calendar: allDayCalendar("UTC"), closeAt: "00:00", levels: DAILY_LEVELS, scope: "asset" },
        overrides: [],
      },
      {
        kind: "oracle-divergence",
        id: "oracle-divergence",
        mode: "enforce",
        params: { haltDivergence: 0.05, resumeDivergence: 0.01, resumeHoldMs: 60_000, mode: "full" },
        overrides: [],
      },
      {
        kind: "chain-liveness",
        id: "chain-liveness",
        mode: "enforce",
        params: { minStaleShare: 0.25, multiplier: 1.5, graceMs: 30_000 },
        overrides: [],
      },
    ],
  };
}
