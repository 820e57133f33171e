import { describe, expect, it } from "vitest";
import { RecentObservations, windowTimeMs } from "./recent-observations.js";
import type { TimedObservation } from "./reconcile.js";

function timed(asset: string, priceTimeMs: number, atMs = priceTimeMs + 1_000): TimedObservation {
  return {
    observation: {
      assessmentId: `${asset}-${priceTimeMs}`,
      asset,
      price: 1,
      priceTimeMs,
      venues: [],
      markets: [],
      chains: [],
    },
    atMs,
  };
}

const ids = (recent: RecentObservations) => recent.observations().map((t) => t.observation.assessmentId);

describe("RecentObservations", () => {
  it("default: keeps per asset what lies within two windows of its latest price, in log order; the older window only warms up", () => {
    const recent = new RecentObservations(10);
    for (const o of [
      timed("A", 0),
      timed("B", 0),
      timed("A", 5),
      timed("B", 100),
      timed("A", 21),
      timed("A", 22),
    ])
      recent.add(o);
    expect(ids(recent)).toEqual(["A-5", "B-100", "A-21", "A-22"]);
    expect(recent.observations().map((t) => t.warmup === true)).toEqual([true, false, false, false]);
  });

  it("behavior: the window edge is inclusive", () => {
    const recent = new RecentObservations(10);
    recent.add(timed("A", 0));
    recent.add(timed("A", 10));
    recent.add(timed("A", 20));
    // exactly two windows back is kept (warm-up); exactly one window back is decided again
    expect(recent.observations().map((t) => t.warmup === true)).toEqual([true, false, false]);
  });

  it("behavior: a future-dated price counts at its decision time, so it cannot push real prices out", () => {
    const recent = new RecentObservations(10);
    recent.add(timed("A", 100, 100));
    // chain time an hour ahead of the decision time
    const future = timed("A", 3_600_100, 101);
    expect(windowTimeMs(future)).toBe(101);
    recent.add(future);
    recent.add(timed("A", 102, 102));
    expect(ids(recent)).toEqual(["A-100", "A-3600100", "A-102"]);
  });
});
