import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  dailyLambdaOf,
  halfLifeOfDailyLambda,
  MarginModel,
  type MarginModelSpec,
} from "./margin-model.js";

const PLAIN: MarginModelSpec = {
  halfLifeMs: halfLifeOfDailyLambda(0.94),
  quantile: 2.326,
  horizonMs: 2 * DAY_MS,
  buffer: 0,
  rebuildPerDay: 0,
  stressedWeight: 0,
  stressedVolatility: 0,
  lookbackMs: 3650 * DAY_MS,
  lookbackFloor: false,
};
/** EMIR art. 28 (a): a 25% buffer, rebuilt 5 points a day. */
const EMIR_A: MarginModelSpec = { ...PLAIN, buffer: 0.25, rebuildPerDay: 0.05 };

/** Daily prices whose log return is ±`s` every day: every return squared is s², so every volatility is s. */
function feed(model: MarginModel, fromDay: number, days: number, s: number, start = 100) {
  let price = start;
  let out = model.figures();
  for (let d = 0; d < days; d++) {
    price *= Math.exp(d % 2 === 0 ? s : -s);
    out = model.observe((fromDay + d + 1) * DAY_MS, price);
  }
  return { figures: out!, price };
}
const marginFor = (vol: number) => 2.326 * vol * Math.sqrt(2);

describe("margin model", () => {
  it("default: the margin is the quantile times the volatility times the root of the horizon", () => {
    const m = new MarginModel(PLAIN);
    m.observe(0, 100);
    const { figures } = feed(m, 0, 30, 0.02);
    expect(figures.ewmaVolatility).toBeCloseTo(0.02, 10);
    expect(figures.margin).toBeCloseTo(marginFor(0.02), 10); // 2.326 × 2% × √2 = 6.58%
  });

  it("behavior: EWMA is set by half-life in time: 0.94 daily is 11.2 days, the same at any sampling", () => {
    expect(halfLifeOfDailyLambda(0.94) / DAY_MS).toBeCloseTo(11.2, 1);
    expect(dailyLambdaOf(halfLifeOfDailyLambda(0.94))).toBeCloseTo(0.94, 12);
    // 60-second returns with the same half-life decay by 0.94^(1/1440) each: about 17 days of memory, not 17 minutes.
    expect(0.5 ** (60_000 / halfLifeOfDailyLambda(0.94))).toBeCloseTo(0.94 ** (1 / 1440), 12);
  });

  it("behavior: EMIR (a) the buffer is drawn down when margins rise sharply and rebuilt at its rate", () => {
    const m = new MarginModel(EMIR_A);
    m.observe(0, 100);
    const calm = feed(m, 0, 200, 0.01);
    // Calm: 2.326 × 1% × √2 = 3.29%, plus 25%.
    expect(calm.figures.buffer).toBe(0.25);
    expect(calm.figures.margin).toBeCloseTo(marginFor(0.01) * 1.25, 6);
    // A 1.5% day after 1% days: the base rises by less than the buffer; the published margin holds.
    const held = m.observe(201 * DAY_MS, calm.price * Math.exp(0.015))!;
    expect(held.base).toBeGreaterThan(calm.figures.base);
    expect(held.margin).toBeCloseTo(calm.figures.margin, 12);
    expect(held.buffer).toBeLessThan(0.25);
    // A crash day: the buffer is gone and the margin follows the model.
    const crash = m.observe(202 * DAY_MS, calm.price * Math.exp(-0.25))!;
    expect(crash.buffer).toBe(0);
    expect(crash.margin).toBe(crash.base);
    // Sustained high demand (returns as large as the EWMA's volatility): rebuilt 5 points a day,
    // 0.25 in five days, not never.
    let p = calm.price * Math.exp(-0.25);
    const buffers: number[] = [];
    for (let d = 0; d < 6; d++) {
      const s = m.figures()!.ewmaVolatility;
      p *= Math.exp(d % 2 === 0 ? s : -s);
      buffers.push(m.observe((203 + d) * DAY_MS, p)!.buffer);
    }
    expect(buffers.map((b) => Number(b.toFixed(9)))).toEqual([0.05, 0.1, 0.15, 0.2, 0.25, 0.25]);
  });

  it("behavior: EMIR (b) 25% weight on stressed observations", () => {
    const m = new MarginModel({ ...PLAIN, stressedWeight: 0.25, stressedVolatility: 0.05 });
    m.observe(0, 100);
    const { figures } = feed(m, 0, 60, 0.01);
    // √(0.75 × 1%² + 0.25 × 5%²) = 2.65%.
    expect(figures.base).toBeCloseTo(marginFor(Math.sqrt(0.75 * 0.01 ** 2 + 0.25 * 0.05 ** 2)), 10);
    // With no configured floor the stressed volatility is the lookback's peak EWMA volatility.
    const peak = new MarginModel({ ...PLAIN, stressedWeight: 0.25 });
    peak.observe(0, 100);
    const stressed = feed(peak, 0, 60, 0.04);
    const after = feed(peak, 60, 400, 0.01, stressed.price).figures;
    expect(after.stressedVolatility).toBeCloseTo(0.04, 6);
    expect(after.base).toBeGreaterThan(marginFor(after.ewmaVolatility) * 1.5);
  });

  it("behavior: EMIR (c) never below the margin from the 10-year lookback's volatility", () => {
    const m = new MarginModel({ ...PLAIN, lookbackFloor: true });
    m.observe(0, 100);
    const rough = feed(m, 0, 365, 0.03);
    const calm = feed(m, 365, 365, 0.005, rough.price).figures;
    // Equally weighted over 730 days: √((365 × 3%² + 365 × 0.5%²) / 730) = 2.15%.
    const lookback = Math.sqrt((0.03 ** 2 + 0.005 ** 2) / 2);
    expect(calm.lookbackVolatility).toBeCloseTo(lookback, 6);
    expect(calm.base).toBeCloseTo(marginFor(lookback), 6);
    expect(calm.base).toBeGreaterThan(marginFor(calm.ewmaVolatility));
  });

  it("validation: a spec out of range is refused with its fields", () => {
    expect(() => new MarginModel({ ...PLAIN, stressedWeight: 1.5, halfLifeMs: 0 })).toThrow(
      /halfLifeMs must be positive; stressedWeight must be a fraction/,
    );
  });

  it("property: the published margin lies between the model's and the model's plus the full buffer", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: 2, maxLength: 80 }),
        fc.integer({ min: 1, max: 48 }),
        (returns, hours) => {
          const m = new MarginModel(EMIR_A);
          let price = 100;
          m.observe(0, price);
          returns.forEach((r, i) => {
            price *= Math.exp(r);
            const f = m.observe((i + 1) * hours * 3_600_000, price);
            if (!f) return;
            expect(f.buffer).toBeGreaterThanOrEqual(0);
            expect(f.buffer).toBeLessThanOrEqual(0.25);
            expect(f.margin).toBeGreaterThanOrEqual(f.base * (1 - 1e-12));
            expect(f.margin).toBeLessThanOrEqual(f.base * 1.25 * (1 + 1e-12));
          });
        },
      ),
    );
  });
});
