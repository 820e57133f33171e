import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SignalDraft } from "../signal.js";
import { LimitBandRule } from "./limit-band.js";
import type { LimitBandParams, PolicyObservation } from "./types.js";

const T0 = Date.UTC(2026, 0, 12, 16); // 11:00 ET: outside the doubled windows
const PARAMS: LimitBandParams = {
  calendar: { timeZone: "America/New_York", sessions: [], holidays: [], dayStart: "00:00" },
  reference: { windowMs: 300_000, moveThreshold: 0.01, minSamples: 1 },
  bands: {
    tiers: [
      { below: 0.75, percent: 0.75, amount: 0.15, combine: "lesser" },
      { atMost: 3, percent: 0.2 },
      { percent: 0.05 },
    ],
    tickSize: 0.01,
    rounding: "nearest",
    scale: [
      { from: "09:30", to: "09:45", factor: 2 },
      { from: "15:35", to: "16:00", factor: 2 },
    ],
  },
  holdMs: 15_000,
  pauseMs: 300_000,
  mode: "full",
};
const rule = () =>
  new LimitBandRule({ kind: "limit-band", id: "luld", mode: "enforce", params: PARAMS, overrides: [] });
let n = 0;
const obs = (price: number, atMs: number): PolicyObservation => ({
  assessmentId: `a${++n}`,
  asset: "ABC",
  price,
  priceTimeMs: atMs,
  venues: ["v"],
  markets: ["ABC-PERP"],
  chains: [],
});

describe("limit band (LULD)", () => {
  it("default: 15 s at the band pauses on the timer, with no further price", () => {
    const r = rule();
    r.evaluate(obs(10, T0), T0);
    expect(r.evaluate(obs(10.5, T0 + 1_000), T0 + 1_000).drafts).toEqual([]);
    expect(r.tick(T0 + 15_999).drafts).toEqual([]);
    const [pause] = r.tick(T0 + 16_000).drafts;
    expect(pause).toMatchObject({ durationMs: 300_000, signalId: `luld:ABC:limit-${T0 + 1_000}` });
    expect(r.tick(T0 + 16_250).drafts).toEqual([]);
  });

  it("property: pauses are held holdMs, priced at or beyond their band, at least pauseMs apart, each once", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 250, max: 20_000 }),
            fc.double({ min: 9, max: 11, noNaN: true }),
            fc.boolean(),
          ),
          { minLength: 1, maxLength: 60 },
        ),
        (steps) => {
          const r = rule();
          r.evaluate(obs(10, T0), T0);
          let t = T0;
          const pauses: { at: number; d: SignalDraft }[] = [];
          for (const [dt, price, isTick] of steps) {
            t += dt;
            const out = isTick ? r.tick(t) : r.evaluate(obs(price, t), t);
            for (const d of out.drafts) pauses.push({ at: t, d });
          }
          const figure = (d: SignalDraft, name: string) => d.evidence.find((e) => e.name === name)!;
          pauses.forEach(({ at, d }, i) => {
            const held = figure(d, "limit_state_ms");
            expect(held.value).toBeGreaterThanOrEqual(PARAMS.holdMs);
            expect(Number(held.detail.replace("since ", ""))).toBe(at - held.value);
            const price = figure(d, "price").value;
            expect(price <= figure(d, "band_lower").value || price >= figure(d, "band_upper").value).toBe(
              true,
            );
            if (i > 0) expect(at - pauses[i - 1]!.at).toBeGreaterThanOrEqual(PARAMS.pauseMs);
          });
          expect(new Set(pauses.map((p) => p.d.signalId)).size).toBe(pauses.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
