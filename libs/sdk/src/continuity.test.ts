import { describe, expect, it } from "vitest";
import { ContinuityTracker } from "./continuity.js";

describe("ContinuityTracker", () => {
  it("default: signals chained by previous_in_scope are delivered and advance the position", () => {
    const t = new ContinuityTracker(0);
    expect(t.onSignal(2, 0)).toEqual({ kind: "deliver" });
    expect(t.onSignal(5, 2)).toEqual({ kind: "deliver" });
    expect([t.covered, t.lastInScope]).toEqual([5, 5]);
  });

  it("behavior: a sequence at or below the covered position is a duplicate", () => {
    const t = new ContinuityTracker(0);
    t.onSignal(3, 0);
    expect(t.onSignal(3, 0)).toEqual({ kind: "duplicate" });
    expect(t.onSignal(1, 0)).toEqual({ kind: "duplicate" });
    expect(t.covered).toBe(3);
  });

  it("behavior: a skipped in-scope signal is a gap; resume after the last one processed", () => {
    const t = new ContinuityTracker(0);
    t.onSignal(2, 0);
    t.onMarker(6, 2); // covered 6, nothing new in scope
    expect(t.onSignal(9, 7)).toEqual({ kind: "gap", expectedPrevious: 2, actualPrevious: 7, resumeFrom: 2 });
    // after resubscribing from 2, the missed 7 arrives and chains on
    expect(t.covered).toBe(2);
    expect(t.onSignal(7, 2)).toEqual({ kind: "deliver" });
    expect(t.onSignal(9, 7)).toEqual({ kind: "deliver" });
  });

  it("behavior: markers advance the covered position and reveal gaps too", () => {
    const t = new ContinuityTracker(0);
    expect(t.onMarker(4, 0)).toEqual({ kind: "covered", advanced: true });
    expect(t.onMarker(4, 0)).toEqual({ kind: "covered", advanced: false });
    expect(t.onMarker(3, 0)).toEqual({ kind: "stale" });
    expect(t.onMarker(8, 6)).toMatchObject({ kind: "gap", expectedPrevious: 0, resumeFrom: 0 });
    expect(t.covered).toBe(0);
  });

  it("behavior: from a stored position with an unknown last in-scope sequence, anything at or below it is accepted", () => {
    const t = new ContinuityTracker(10);
    expect(t.lastInScope).toBeUndefined();
    expect(t.onSignal(12, 7)).toEqual({ kind: "deliver" });
    expect(t.lastInScope).toBe(12);
    const u = new ContinuityTracker(10);
    expect(u.onMarker(15, 9)).toEqual({ kind: "covered", advanced: true });
    expect(u.lastInScope).toBe(9);
    const v = new ContinuityTracker(10);
    expect(v.onSignal(14, 11)).toMatchObject({ kind: "gap", expectedPrevious: undefined, resumeFrom: 10 });
  });

  it("behavior: a known last in-scope sequence is checked exactly", () => {
    const t = new ContinuityTracker(10, 8);
    expect(t.onSignal(12, 7)).toMatchObject({ kind: "gap", expectedPrevious: 8, resumeFrom: 8 });
    expect(new ContinuityTracker(10, 8).onSignal(12, 8)).toEqual({ kind: "deliver" });
  });
});
