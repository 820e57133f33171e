import { HaltMode, SignalKind } from "@breakwater/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SignalDraft } from "../signal.js";
import { DEFAULT_MARGIN_BOUNDS, defaultPolicy } from "./default-policy.js";
import { MarginGovernor } from "./margin-governor.js";
import { PolicyEngine } from "./policy-engine.js";
import type { PolicyDocument, PolicyObservation, RuleSpec } from "./types.js";

const T0 = Date.UTC(2026, 10, 25, 12); // midday: far from the daily reset
let n = 0;
function obs(
  asset: string,
  price: number | undefined,
  atMs: number,
  extra: Partial<PolicyObservation> = {},
): PolicyObservation {
  n++;
  return {
    assessmentId: `a${n}`,
    asset,
    price,
    priceTimeMs: atMs,
    venues: ["perp-a"],
    markets: [`${asset}-PERP`],
    chains: ["sim-a", "sim-b"],
    ...extra,
  };
}

function policy(rules: RuleSpec[], margin = DEFAULT_MARGIN_BOUNDS): PolicyDocument {
  return { version: 1, margin: { id: "margin", mode: "enforce", params: margin }, rules };
}

/** Feeds prices one second apart (chain time = coordinator time) and returns every draft. */
function feed(
  engine: PolicyEngine,
  asset: string,
  prices: (number | undefined)[],
  extra: Partial<PolicyObservation> = {},
  start = T0,
) {
  const out: SignalDraft[] = [];
  prices.forEach((p, i) => {
    out.push(...engine.evaluate(obs(asset, p, start + i * 1_000, extra), start + i * 1_000));
  });
  return out;
}

const levelOf = (d: SignalDraft) => (d.action?.$case === "circuitBreaker" ? d.action.value.level : undefined);
/** The velocity rule's drafts (the embedded default also records the daily rule's closes). */
const velocity = (drafts: SignalDraft[]) => drafts.filter((d) => d.ruleId.startsWith("circuit-breaker-"));

describe("circuit breaker levels", () => {
  it.each<[string, number[], (number | undefined)[]]>([
    ["no level under 7%", [100, 97, 94], []],
    ["level 1 at 7%, once", [100, 95, 93, 92, 91], [1]],
    ["levels 1 then 2 as the fall deepens", [100, 92, 90, 86], [1, 2]],
    ["a gap straight to 13% fires level 2 only", [100, 86, 85], [2]],
    ["level 3 at 20%", [100, 92, 86, 79], [1, 2, 3]],
  ])("%s", (_name, prices, levels) => {
    const engine = new PolicyEngine(defaultPolicy());
    expect(feed(engine, "ETH", prices).map(levelOf)).toEqual(levels);
  });

  it("behavior: level 3 halts for the rest of the period; levels 1-2 for their duration, full or reduce-only", () => {
    const doc = defaultPolicy({ mode: "reduce-only", haltMs: 120_000 });
    const drafts = feed(new PolicyEngine(doc), "ETH", [100, 92, 86, 79]);
    expect(drafts.map((d) => d.durationMs)).toEqual([
      120_000,
      120_000,
      Date.UTC(2026, 10, 26) - (T0 + 3_000),
    ]);
    expect(
      drafts.every(
        (d) => d.action?.$case === "circuitBreaker" && d.action.value.mode === HaltMode.HALT_MODE_REDUCE_ONLY,
      ),
    ).toBe(true);
    expect(drafts[0]!.ruleId).toBe("circuit-breaker-l1");
    expect(drafts[0]!.evidence.find((e) => e.name === "drawdown")).toMatchObject({ threshold: 0.07 });
  });

  it("behavior: each level fires once per period and re-arms after the daily reset", () => {
    const engine = new PolicyEngine(defaultPolicy({ windowMs: 60_000 }));
    expect(feed(engine, "ETH", [100, 92]).map(levelOf)).toEqual([1]);
    expect(feed(engine, "ETH", [100, 92], {}, T0 + 3_600_000).map(levelOf)).toEqual([]);
    expect(velocity(feed(engine, "ETH", [100, 92], {}, Date.UTC(2026, 10, 26, 0, 1))).map(levelOf)).toEqual([
      1,
    ]);
  });

  it("behavior: restored from the log, a level that fired does not fire again", () => {
    const first = new PolicyEngine(defaultPolicy());
    const [halt] = feed(first, "ETH", [100, 92]);
    const second = new PolicyEngine(defaultPolicy());
    second.restore({
      ...(halt as SignalDraft),
      sequence: 4,
      issuedAtMs: T0,
      effectiveAtMs: T0,
      expiresAtMs: 0,
      leaderTerm: 1,
      keyId: "",
      signature: Buffer.alloc(0),
    });
    expect(feed(second, "ETH", [100, 92, 91]).map(levelOf)).toEqual([]);
  });

  it("behavior: per-asset overrides change thresholds, and can exempt an asset", () => {
    const base = defaultPolicy().rules[0]!;
    if (base.kind !== "circuit-breaker") throw new Error("setup");
    const engine = new PolicyEngine(
      policy([
        {
          ...base,
          overrides: [
            {
              assets: ["DOGE"],
              params: { levels: [{ level: 1, threshold: 0.2, haltMs: 60_000, mode: "full" }] },
            },
            { markets: ["USDC-PERP"], enabled: false, params: {} },
          ],
        },
      ]),
    );
    expect(feed(engine, "DOGE", [100, 90]).map(levelOf)).toEqual([]);
    expect(feed(engine, "DOGE", [100, 79]).map(levelOf)).toEqual([1]);
    expect(feed(engine, "USDC", [1, 0.5]).map(levelOf)).toEqual([]);
    expect(feed(engine, "ETH", [100, 90]).map(levelOf)).toEqual([1]);
  });
});

describe("the embedded default (24/7 markets)", () => {
  const MINUTE = 60_000;
  const midnight = Date.UTC(2026, 10, 26);
  /** Prices `everyMs` apart from `start`, returning every draft. */
  const path = (engine: PolicyEngine, prices: number[], start: number, everyMs: number) =>
    prices.flatMap((p, i) => engine.evaluate(obs("ETH", p, start + i * everyMs), start + i * everyMs));
  const halts = (drafts: SignalDraft[]) =>
    drafts
      .filter((d) => d.kind === SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER)
      .map((d) => [d.ruleId, levelOf(d)]);

  it("default: a slow 7.5% fall over six hours, which no velocity window sees, halts at daily level 1 from the 00:00 UTC price", () => {
    const engine = new PolicyEngine(defaultPolicy());
    // 23:59 the day before sets the day's reference at 100; then 100 → 92.5 in 0.25 steps every 12 minutes
    path(engine, [100], midnight - MINUTE, MINUTE);
    const fall = Array.from({ length: 31 }, (_, i) => 100 - i * 0.25);
    const drafts = path(engine, fall, midnight + MINUTE, 12 * MINUTE);
    expect(halts(drafts)).toEqual([["daily-l1", 1]]);
    const halt = drafts.find((d) => d.ruleId === "daily-l1")!;
    expect(halt.durationMs).toBe(15 * MINUTE);
    expect(halt.evidence.find((e) => e.name === "fall_from_prior_close")?.value).toBeCloseTo(0.07, 12); // at 93, the first price 7% below
  });

  it("behavior: before its first midnight the daily rule is unarmed; the velocity rule still halts a fast fall", () => {
    const engine = new PolicyEngine(defaultPolicy());
    expect(halts(path(engine, [100, 99, 98, 97, 96, 95, 94, 93, 92.5], T0, 20 * MINUTE))).toEqual([]);
    expect(halts(path(engine, [100, 92], T0 + 4 * 3_600_000, 1_000))).toEqual([["circuit-breaker-l1", 1]]);
  });

  it("behavior: level 3 of the daily rule halts to the end of the UTC day", () => {
    const engine = new PolicyEngine(defaultPolicy());
    path(engine, [100], midnight - MINUTE, MINUTE);
    const drafts = path(engine, [95, 90, 85, 80], midnight + 6 * 3_600_000, 30 * MINUTE);
    const l3 = drafts.find((d) => d.ruleId === "daily-l3")!;
    expect(halts(drafts).filter(([id]) => String(id).startsWith("daily"))).toEqual([
      ["daily-l1", 1],
      ["daily-l2", 2],
      ["daily-l3", 3],
    ]);
    const at = midnight + 6 * 3_600_000 + 90 * MINUTE;
    expect(l3.durationMs).toBe(midnight + 24 * 3_600_000 - at);
  });

  it("behavior: oracle divergence and chain liveness are enforced, not shadow", () => {
    const doc = defaultPolicy();
    expect(doc.rules.map((r) => [r.id, r.mode])).toEqual([
      ["circuit-breaker", "enforce"],
      ["daily", "enforce"],
      ["oracle-divergence", "enforce"],
      ["chain-liveness", "enforce"],
    ]);
    expect(halts(feed(new PolicyEngine(doc), "ETH", [100], { divergence: 0.06 }))).toEqual([
      ["oracle-divergence", 0],
    ]);
    // a chain stale for the 30 s grace (one price a second) tightens margin; not before
    const margin = feed(new PolicyEngine(doc), "ETH", Array<number>(32).fill(100), {
      staleChains: ["sim-b"],
    });
    expect(margin).toHaveLength(1);
    expect(margin[0]!.kind).toBe(SignalKind.SIGNAL_KIND_MARGIN_ADJUSTMENT);
  });
});

describe("price bands (LULD)", () => {
  const band: RuleSpec = {
    kind: "price-band",
    id: "luld",
    mode: "enforce",
    params: {
      referenceWindowMs: 300_000,
      band: 0.05,
      holdMs: 15_000,
      pauseMs: 300_000,
      mode: "full",
      minSamples: 3,
    },
    overrides: [],
  };
  const steady = Array<number>(5).fill(100);

  it.each<[string, number[], number]>([
    ["inside the band: nothing", [...steady, 104, 103, 104], 0],
    ["outside briefly, then back: nothing", [...steady, 107, 107, 100, ...Array<number>(20).fill(100)], 0],
    ["outside for the hold time: one pause", [...steady, ...Array<number>(20).fill(107)], 1],
  ])("%s", (_name, prices, pauses) => {
    const drafts = feed(new PolicyEngine(policy([band])), "ETH", prices);
    expect(drafts).toHaveLength(pauses);
    if (pauses) {
      expect(drafts[0]).toMatchObject({
        ruleId: "luld",
        durationMs: 300_000,
        kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
      });
      expect(drafts[0]!.evidence[1]).toMatchObject({ name: "limit_state_ms", threshold: 15_000 });
    }
  });
});

describe("oracle divergence", () => {
  const rule: RuleSpec = {
    kind: "oracle-divergence",
    id: "oracle",
    mode: "enforce",
    params: { haltDivergence: 0.05, resumeDivergence: 0.01, resumeHoldMs: 10_000, mode: "full" },
    overrides: [],
  };

  it("default: an unpriceable asset halts with no expiry; a resume needs calm sources for the hold time", () => {
    const engine = new PolicyEngine(policy([rule]));
    const halt = feed(engine, "ETH", [undefined], { unpriceable: true });
    expect(halt).toHaveLength(1);
    expect(halt[0]).toMatchObject({ kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER, durationMs: 0 });
    engine.restore({
      ...halt[0]!,
      sequence: 9,
      issuedAtMs: T0,
      effectiveAtMs: T0,
      expiresAtMs: 0,
      leaderTerm: 1,
      keyId: "",
      signature: Buffer.alloc(0),
    });
    // 3% divergence: below the halt level but above the resume level: stays halted
    expect(feed(engine, "ETH", Array<number>(20).fill(100), { divergence: 0.03 }, T0 + 1_000)).toEqual([]);
    const resume = feed(engine, "ETH", Array<number>(12).fill(100), { divergence: 0.002 }, T0 + 30_000);
    expect(resume).toHaveLength(1);
    expect(resume[0]).toMatchObject({
      kind: SignalKind.SIGNAL_KIND_RESUME,
      action: { $case: "resume", value: { resumesSequence: 9 } },
    });
  });

  it("behavior: divergence at the halt level halts; a priced, agreeing asset never does", () => {
    expect(feed(new PolicyEngine(policy([rule])), "ETH", [100], { divergence: 0.06 })).toHaveLength(1);
    expect(feed(new PolicyEngine(policy([rule])), "ETH", [100, 101], { divergence: 0.001 })).toEqual([]);
  });
});

describe("margin: cascade risk, chain liveness, dynamic margin", () => {
  const cascade: RuleSpec = {
    kind: "cascade-risk",
    id: "cascade",
    mode: "enforce",
    params: {
      pressureThreshold: 0.5,
      multiplier: 1.6,
      correlated: [
        { asset: "STETH", correlation: 0.95 },
        { asset: "SOL", correlation: 0.4 },
      ],
      minCorrelation: 0.8,
    },
    overrides: [],
  };
  const margins = (ds: SignalDraft[]) =>
    ds.map((d) => [
      d.scope.assets[0],
      d.action?.$case === "marginAdjustment" ? d.action.value.initialMultiplier : undefined,
    ]);

  it("default: ladder pressure above the share of depth tightens the asset and its correlated assets, before any move", () => {
    const engine = new PolicyEngine(policy([cascade]));
    const drafts = feed(engine, "ETH", [100], {
      liquidatableDownNotional: 6e6,
      depthNotional: 1e7,
      ladderMoveBps: 500,
    });
    expect(margins(drafts)).toEqual([
      ["ETH", 1.6],
      ["STETH", 1.6],
    ]);
    expect(drafts[0]!.evidence.find((e) => e.name === "previous_multiplier")?.value).toBe(1.25);
    expect(
      feed(new PolicyEngine(policy([cascade])), "ETH", [100], {
        liquidatableDownNotional: 1e6,
        depthNotional: 1e7,
      }),
    ).toEqual([]);
  });

  it("behavior: a stale chain tightens margin where the exposure sits, and nothing elsewhere", () => {
    const live: RuleSpec = {
      kind: "chain-liveness",
      id: "liveness",
      mode: "enforce",
      params: { minStaleShare: 0.5, multiplier: 1.5 },
      overrides: [],
    };
    const engine = new PolicyEngine(policy([live]));
    expect(margins(feed(engine, "ETH", [100], { staleChains: ["sim-b"] }))).toEqual([["ETH", 1.5]]);
    expect(feed(engine, "BTC", [100], { chains: ["sim-a"], staleChains: ["sim-b"] })).toEqual([]);
  });

  it("behavior: a chain counts as stale only after graceMs without a break: a watcher's restart does not tighten", () => {
    const engine = new PolicyEngine(
      policy([
        {
          kind: "chain-liveness",
          id: "liveness",
          mode: "enforce",
          params: { minStaleShare: 0.25, multiplier: 1.5, graceMs: 30_000 },
          overrides: [],
        },
      ]),
    );
    // stale 29 s (a restart), fresh once, stale 29 s again: never 30 s in a row
    expect(feed(engine, "ETH", Array<number>(30).fill(100), { staleChains: ["sim-b"] })).toEqual([]);
    expect(feed(engine, "ETH", [100], {}, T0 + 30_000)).toEqual([]);
    expect(feed(engine, "ETH", Array<number>(30).fill(100), { staleChains: ["sim-b"] }, T0 + 31_000)).toEqual(
      [],
    );
    // the 31st second of one run tightens
    expect(margins(feed(engine, "ETH", [100], { staleChains: ["sim-b"] }, T0 + 61_000))).toEqual([
      ["ETH", 1.5],
    ]);
  });

  it("behavior: with notional per chain, a stale chain holding little of the exposure does not tighten", () => {
    const live: RuleSpec = {
      kind: "chain-liveness",
      id: "liveness",
      mode: "enforce",
      params: { minStaleShare: 0.25, multiplier: 1.5 },
      overrides: [],
    };
    const engine = new PolicyEngine(policy([live]));
    // sim-b is stale but holds 10% of SOL's notional: below the 25% share
    expect(
      feed(engine, "SOL", [100], {
        chains: ["sim-a", "sim-b"],
        staleChains: ["sim-b"],
        chainNotional: { "sim-a": 9e6, "sim-b": 1e6 },
      }),
    ).toEqual([]);
    // on ETH it holds 40%: margin tightens, with the share as evidence
    const drafts = feed(engine, "ETH", [100], {
      chains: ["sim-a", "sim-b"],
      staleChains: ["sim-b"],
      chainNotional: { "sim-a": 6e6, "sim-b": 4e6 },
    });
    expect(margins(drafts)).toEqual([["ETH", 1.5]]);
    expect(drafts[0]!.evidence.find((e) => e.name === "stale_exposure_share")?.value).toBeCloseTo(0.4, 12);
  });

  it("behavior: a chain its watcher reports degraded counts as stale, with its reason as evidence, unless told not to", () => {
    const live = (countDegraded?: boolean): RuleSpec => ({
      kind: "chain-liveness",
      id: "liveness",
      mode: "enforce",
      params: {
        minStaleShare: 0.5,
        multiplier: 1.5,
        ...(countDegraded === undefined ? {} : { countDegraded }),
      },
      overrides: [],
    });
    const degradedChains = [{ chain: "sim-b", status: "degraded" as const, detail: "sequencer down" }];
    // sim-b holds half of ETH's chains: no stale chain, but degraded
    const drafts = feed(new PolicyEngine(policy([live()])), "ETH", [100], { degradedChains });
    expect(margins(drafts)).toEqual([["ETH", 1.5]]);
    expect(drafts[0]!.evidence.find((e) => e.name === "stale_exposure_share")).toMatchObject({
      value: 0.5,
      detail: "liveness: sim-b (degraded: sequencer down)",
    });
    expect(feed(new PolicyEngine(policy([live(false)])), "ETH", [100], { degradedChains })).toEqual([]);
  });

  it("behavior: the buffer absorbs a moderate rise; loosening waits for the cooldown and moves slower", () => {
    const dyn: RuleSpec = {
      kind: "dynamic-margin",
      id: "vol",
      mode: "enforce",
      params: { baselineVolatility: 0.5, volatilityWeight: 1 },
      overrides: [],
    };
    const engine = new PolicyEngine(policy([dyn]));
    expect(feed(engine, "ETH", [100], { volatility: 0.6 })).toEqual([]); // 1.2 < buffered 1.25
    expect(margins(feed(engine, "ETH", [100], { volatility: 1 }, T0 + 60_000))).toEqual([["ETH", 1.625]]); // 2.0 capped at +30%
    expect(feed(engine, "ETH", [100], { volatility: 0.5 }, T0 + 120_000)).toEqual([]); // cooldown
    expect(margins(feed(engine, "ETH", [100], { volatility: 0.5 }, T0 + 60_000 + 30 * 60_000))).toEqual([
      ["ETH", 1.4625],
    ]); // -10%
  });

  it("behavior: a shadow rule records what it would send, with evidence, and sends nothing", () => {
    const engine = new PolicyEngine(policy([{ ...cascade, mode: "shadow" }]));
    expect(feed(engine, "ETH", [100], { liquidatableDownNotional: 6e6, depthNotional: 1e7 })).toEqual([]);
    const records = engine.shadowRecords();
    expect(records.map((r) => r.ruleId)).toEqual(["margin(shadow)", "margin(shadow)"]);
    expect(records[0]!.draft.evidence.some((e) => e.name === "ladder_pressure" && e.value === 0.6)).toBe(
      true,
    );
    expect(engine.marginOf("ETH")).toBe(1.25);
  });
});

describe("properties", () => {
  it("hysteresis: an oscillating price never makes a breaker or band flap (one halt per level per period)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 70, max: 130, noNaN: true }), { minLength: 10, maxLength: 200 }),
        (prices) => {
          const band: RuleSpec = {
            kind: "price-band",
            id: "luld",
            mode: "enforce",
            params: {
              referenceWindowMs: 300_000,
              band: 0.05,
              holdMs: 15_000,
              pauseMs: 300_000,
              mode: "full",
              minSamples: 3,
            },
            overrides: [],
          };
          const doc = defaultPolicy();
          const engine = new PolicyEngine({ ...doc, rules: [...doc.rules, band] });
          const drafts = feed(engine, "ETH", prices);
          const breaker = drafts.filter((d) => d.ruleId.startsWith("circuit-breaker")).map(levelOf);
          expect(new Set(breaker).size).toBe(breaker.length);
          // a pause lasts 300 s: within 200 s of prices the band pauses at most once
          expect(drafts.filter((d) => d.ruleId === "luld").length).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it("bounded margin: whatever the demands, each change is within the step bounds, at most one per interval, never below the floor", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            multiplier: fc.double({ min: 0.5, max: 5, noNaN: true }),
            dtMs: fc.integer({ min: 0, max: 120_000 }),
          }),
          { minLength: 1, maxLength: 150 },
        ),
        (steps) => {
          const p = DEFAULT_MARGIN_BOUNDS;
          const gov = new MarginGovernor("margin", p);
          let now = T0;
          let lastChange = Number.NEGATIVE_INFINITY;
          let current = gov.multiplier("ETH");
          for (const s of steps) {
            now += s.dtMs;
            const out = gov.apply(
              [{ asset: "ETH", ruleId: "r", multiplier: s.multiplier, evidence: [] }],
              obs("ETH", 100, now),
              now,
            );
            const next = gov.multiplier("ETH");
            if (out.length === 0) {
              expect(next).toBe(current);
              continue;
            }
            expect(now - lastChange).toBeGreaterThanOrEqual(p.intervalMs);
            expect(next).toBeLessThanOrEqual(current * (1 + p.maxStepUp) + 1e-6);
            expect(next).toBeGreaterThanOrEqual(current * (1 - p.maxStepDown) - 1e-6);
            expect(next).toBeGreaterThanOrEqual(p.floor);
            expect(next).toBeLessThanOrEqual(p.cap);
            lastChange = now;
            current = next;
          }
        },
      ),
    );
  });

  it("hysteresis: divergence oscillating around the thresholds never resumes a halt before the calm hold time", () => {
    const rule: RuleSpec = {
      kind: "oracle-divergence",
      id: "oracle",
      mode: "enforce",
      params: { haltDivergence: 0.05, resumeDivergence: 0.01, resumeHoldMs: 10_000, mode: "full" },
      overrides: [],
    };
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 0.1, noNaN: true }), { minLength: 5, maxLength: 200 }),
        (divs) => {
          const engine = new PolicyEngine(policy([rule]));
          const events: { kind: SignalKind; at: number }[] = [];
          divs.forEach((divergence, i) => {
            const at = T0 + i * 1_000;
            for (const d of engine.evaluate(obs("ETH", 100, at, { divergence }), at))
              events.push({ kind: d.kind, at });
          });
          // strictly alternating halt / resume, each resume at least the hold time after its halt
          events.forEach((e, i) => {
            expect(e.kind).toBe(
              i % 2 === 0 ? SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER : SignalKind.SIGNAL_KIND_RESUME,
            );
            if (i % 2 === 1) expect(e.at - events[i - 1]!.at).toBeGreaterThanOrEqual(10_000);
          });
        },
      ),
    );
  });
});
