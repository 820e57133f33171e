import { SignalKind } from "@breakwater/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DrawdownBreaker, LEVEL_1_BREAKER } from "./drawdown-breaker.js";
import type { AssetObservation } from "./rule.js";
import { issueSignal } from "./signal.js";

const obs = (asset: string, price: number, atMs: number, id = `a${atMs}`): AssetObservation => ({
  assessmentId: id,
  asset,
  price,
  priceTimeMs: atMs,
  venues: ["perp-a", "perp-b"],
  markets: [`${asset}-PERP`],
  chains: ["sim-a", "sim-b"],
});

describe("DrawdownBreaker (level 1: 7% within the window)", () => {
  it("default: a 6.99% fall does not fire, a 7% fall does", () => {
    const rule = new DrawdownBreaker(LEVEL_1_BREAKER);
    expect(rule.evaluate(obs("ETH", 100, 0), 0)).toEqual([]);
    expect(rule.evaluate(obs("ETH", 93.01, 1_000), 1_000)).toEqual([]);
    const drafts = rule.evaluate(obs("ETH", 93, 2_000), 2_000);
    expect(drafts).toHaveLength(1);
    const d = drafts[0]!;
    expect(d.kind).toBe(SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER);
    expect(d.scope.assets).toEqual(["ETH"]);
    expect(d.scope.venues).toEqual(["perp-a", "perp-b"]);
    expect(d.action).toEqual({
      $case: "circuitBreaker",
      value: { level: 1, durationMs: LEVEL_1_BREAKER.haltDurationMs, mode: LEVEL_1_BREAKER.mode },
    });
    expect(d.evidence[0]).toMatchObject({ name: "drawdown", threshold: 0.07 });
    expect(d.evidence[0]!.value).toBeCloseTo(0.07, 12);
  });

  it("behavior: fires once per period, even as the price keeps falling", () => {
    const rule = new DrawdownBreaker(LEVEL_1_BREAKER);
    rule.evaluate(obs("ETH", 100, 0), 0);
    expect(rule.evaluate(obs("ETH", 92, 1_000), 1_000)).toHaveLength(1);
    expect(rule.evaluate(obs("ETH", 85, 2_000), 2_000)).toHaveLength(0);
    // the next period re-arms it
    const later = LEVEL_1_BREAKER.periodMs + 1_000;
    rule.evaluate(obs("ETH", 100, later), later);
    expect(rule.evaluate(obs("ETH", 90, later + 1), later + 1)).toHaveLength(1);
  });

  it("behavior: a fall spread over more than the window does not fire", () => {
    const rule = new DrawdownBreaker({ ...LEVEL_1_BREAKER, windowMs: 60_000 });
    rule.evaluate(obs("ETH", 100, 0), 0);
    expect(rule.evaluate(obs("ETH", 96, 60_000), 60_000)).toEqual([]);
    expect(rule.evaluate(obs("ETH", 92.5, 120_001), 120_001)).toEqual([]);
  });

  it("behavior: assets are independent", () => {
    const rule = new DrawdownBreaker(LEVEL_1_BREAKER);
    rule.evaluate(obs("ETH", 100, 0), 0);
    rule.evaluate(obs("BTC", 100, 0), 0);
    expect(rule.evaluate(obs("BTC", 99, 1), 1)).toEqual([]);
    expect(rule.evaluate(obs("ETH", 90, 1), 1)).toHaveLength(1);
  });

  it("behavior: restored from a logged signal it does not fire again within the period", () => {
    const first = new DrawdownBreaker(LEVEL_1_BREAKER);
    first.evaluate(obs("ETH", 100, 0), 0);
    const [draft] = first.evaluate(obs("ETH", 90, 1), 1_000);
    const signal = issueSignal(draft!, { sequence: 1, issuedAtMs: 1_000, leadMs: 500, leaderTerm: 1 });
    const restarted = new DrawdownBreaker(LEVEL_1_BREAKER);
    restarted.restore(signal);
    restarted.evaluate(obs("ETH", 100, 0), 2_000);
    expect(restarted.evaluate(obs("ETH", 90, 1), 2_000)).toEqual([]);
  });

  it("behavior: the same evidence yields the same signal id (deduplicable)", () => {
    const a = new DrawdownBreaker(LEVEL_1_BREAKER);
    const b = new DrawdownBreaker(LEVEL_1_BREAKER);
    for (const r of [a, b]) r.evaluate(obs("ETH", 100, 0), 0);
    expect(a.evaluate(obs("ETH", 90, 1, "x"), 5)[0]!.signalId).toBe(
      b.evaluate(obs("ETH", 90, 1, "x"), 9)[0]!.signalId,
    );
  });

  it("property: fires at most once per asset within a period on any path", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 200, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (prices) => {
          const rule = new DrawdownBreaker(LEVEL_1_BREAKER);
          let fired = 0;
          prices.forEach((p, i) => {
            fired += rule.evaluate(obs("ETH", p, i * 1_000), i * 1_000).length;
          });
          expect(fired).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it("behavior: rejects a threshold outside (0, 1)", () => {
    expect(() => new DrawdownBreaker({ ...LEVEL_1_BREAKER, threshold: 1.5 })).toThrow(RangeError);
  });
});

describe("issueSignal", () => {
  it("default: effective time is issue time plus lead, a halt expires after its duration", () => {
    const rule = new DrawdownBreaker(LEVEL_1_BREAKER);
    rule.evaluate(obs("ETH", 100, 0), 0);
    const [draft] = rule.evaluate(obs("ETH", 90, 1), 1);
    const s = issueSignal(draft!, { sequence: 7, issuedAtMs: 10_000, leadMs: 500, leaderTerm: 3 });
    expect(s.sequence).toBe(7);
    expect(s.effectiveAtMs).toBe(10_500);
    expect(s.expiresAtMs).toBe(10_500 + LEVEL_1_BREAKER.haltDurationMs);
    expect(s.leaderTerm).toBe(3);
  });
});
