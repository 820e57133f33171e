import { describe, expect, it } from "vitest";
import { CascadeRiskRule } from "./cascade-risk.js";
import type { CascadeRiskParams, PolicyObservation } from "./types.js";

const params: CascadeRiskParams = {
  pressureThreshold: 0.5,
  multiplier: 1.6,
  correlated: [
    { asset: "STETH", correlation: 0.95 },
    { asset: "SOL", correlation: 0.4 },
  ],
  minCorrelation: 0.8,
};
const rule = () =>
  new CascadeRiskRule({ kind: "cascade-risk", id: "cascade", mode: "enforce", params, overrides: [] });
let n = 0;
const obs = (p: Partial<PolicyObservation>): PolicyObservation => ({
  assessmentId: `a${n++}`,
  asset: "ETH",
  price: 3000,
  priceTimeMs: 1,
  venues: [],
  markets: [],
  chains: [],
  ladderMoveBps: 500,
  liquidatableDownNotional: 6e6,
  depthNotional: 1e7,
  depthSource: "venues:gmx-lab,perp-evm",
  ...p,
});
const multipliers = (r: CascadeRiskRule, o: PolicyObservation) =>
  r.evaluate(o, 0).demands.map((d) => [d.asset, d.multiplier]);

describe("cascade-risk rule on live correlations", () => {
  it("default: a live EWMA correlation above the policy floor tightens an asset the policy rates too low (SOL 0.4 → 0.86 live)", () => {
    const r = rule();
    const o = obs({
      correlations: [
        { asset: "SOL", correlation: 0.86 },
        { asset: "BTC", correlation: 0.3 },
      ],
    });
    // pressure 6e6 / 1e7 = 0.6 ≥ 0.5: ETH, STETH (floor 0.95, no live figure) and SOL (live 0.86 ≥ 0.8)
    expect(multipliers(r, o)).toEqual([
      ["ETH", 1.6],
      ["SOL", 1.6],
      ["STETH", 1.6],
    ]);
    const sol = r.evaluate(o, 0).demands.find((d) => d.asset === "SOL")!;
    expect(sol.evidence.find((e) => e.name === "correlation")).toEqual({
      name: "correlation",
      value: 0.86,
      threshold: 0.8,
      detail: "with ETH: live EWMA (live 0.86, policy floor 0.4)",
    });
    expect(sol.evidence.find((e) => e.name === "depth_notional")!.detail).toBe(
      "depth from venues:gmx-lab,perp-evm",
    );
  });

  it("behavior: the policy figure is a floor: a live estimate below it does not lower it (STETH live 0.2, floor 0.95)", () => {
    const d = rule()
      .evaluate(obs({ correlations: [{ asset: "STETH", correlation: 0.2 }] }), 0)
      .demands.find((x) => x.asset === "STETH")!;
    expect(d.multiplier).toBe(1.6);
    expect(d.evidence.find((e) => e.name === "correlation")).toMatchObject({
      value: 0.95,
      detail: "with ETH: policy floor (live 0.2, policy floor 0.95)",
    });
  });

  it("behavior: an asset whose live correlation falls away has its demand withdrawn, once", () => {
    const r = rule();
    expect(multipliers(r, obs({ correlations: [{ asset: "AVAX", correlation: 0.9 }] }))).toContainEqual([
      "AVAX",
      1.6,
    ]);
    // AVAX decorrelates: withdrawn (multiplier 1) …
    expect(multipliers(r, obs({ correlations: [{ asset: "AVAX", correlation: 0.5 }] }))).toContainEqual([
      "AVAX",
      1,
    ]);
    // … and then no longer mentioned
    expect(
      multipliers(r, obs({ correlations: [{ asset: "AVAX", correlation: 0.5 }] })).map(([a]) => a),
    ).toEqual(["ETH", "STETH"]);
    // an asset the estimates stop naming altogether is withdrawn too
    r.evaluate(obs({ correlations: [{ asset: "AVAX", correlation: 0.9 }] }), 0);
    expect(multipliers(r, obs({}))).toContainEqual(["AVAX", 1]);
  });

  it("behavior: without live estimates the static list decides, as before (SOL at 0.4 stays out)", () => {
    expect(multipliers(rule(), obs({}))).toEqual([
      ["ETH", 1.6],
      ["STETH", 1.6],
    ]);
    // calm: the asset and its correlated ones are re-stated at 1
    expect(multipliers(rule(), obs({ liquidatableDownNotional: 1e6 }))).toEqual([
      ["ETH", 1],
      ["STETH", 1],
    ]);
  });
});
