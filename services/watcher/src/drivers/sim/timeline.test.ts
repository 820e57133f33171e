import { describe, expect, it } from "vitest";
import { SimTimeline } from "./timeline.js";

describe("SimTimeline", () => {
  it("default: a block every blockTimeMs from genesis", () => {
    const t = new SimTimeline(1_000, 250);
    expect(t.headAt(999)).toBe(-1);
    expect(t.headAt(1_000)).toBe(0);
    expect(t.headAt(1_249)).toBe(0);
    expect(t.headAt(1_250)).toBe(1);
    expect(t.timeOf(4)).toBe(2_000);
  });

  it("behavior: a stall produces no blocks, then numbering continues where it stopped", () => {
    // stall from +1000 ms for 1000 ms: slots 4..7 produce nothing
    const t = new SimTimeline(0, 250, [{ atMs: 1_000, kind: "stall", forMs: 1_000 }]);
    expect(t.headAt(999)).toBe(3);
    expect(t.headAt(1_000)).toBe(3);
    expect(t.headAt(1_999)).toBe(3);
    expect(t.headAt(2_000)).toBe(4);
    expect(t.timeOf(3)).toBe(750);
    expect(t.timeOf(4)).toBe(2_000);
    expect(t.timeOf(5)).toBe(2_250);
    for (let n = 0; n < 20; n++) expect(t.headAt(t.timeOf(n))).toBe(n);
  });

  it("behavior: overlapping stalls merge", () => {
    const t = new SimTimeline(0, 100, [
      { atMs: 500, kind: "stall", forMs: 300 },
      { atMs: 700, kind: "stall", forMs: 300 },
    ]);
    expect(t.headAt(999)).toBe(4);
    expect(t.timeOf(5)).toBe(1_000);
    for (let n = 0; n < 20; n++) expect(t.headAt(t.timeOf(n))).toBe(n);
  });
});
