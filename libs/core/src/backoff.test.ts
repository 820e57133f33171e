import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff.js";

describe("Backoff", () => {
  it("default: delays double up to the maximum, each within [d/2, d]", () => {
    const low = new Backoff({ initialDelayMs: 100, maxDelayMs: 1_000, random: () => 0 });
    expect(Array.from({ length: 6 }, () => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new Backoff({ initialDelayMs: 100, maxDelayMs: 1_000, random: () => 0.999999 });
    expect(Array.from({ length: 6 }, () => high.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it("behavior: reset starts over", () => {
    const b = new Backoff({ initialDelayMs: 100, random: () => 0 });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(50);
  });

  it("behavior: jitter spreads clients apart", () => {
    const b = () => new Backoff({ initialDelayMs: 1_000, maxDelayMs: 1_000 });
    const delays = new Set(Array.from({ length: 20 }, () => b().next()));
    expect(delays.size).toBeGreaterThan(5);
    for (const d of delays) expect(d >= 500 && d <= 1_000).toBe(true);
  });
});

describe("Backoff without jitter", () => {
  it("behavior: delays are exactly the doubling ones, capped", () => {
    const b = new Backoff({ initialDelayMs: 50, maxDelayMs: 2_000, jitter: false, random: () => 0 });
    expect(Array.from({ length: 8 }, () => b.next())).toEqual([50, 100, 200, 400, 800, 1_600, 2_000, 2_000]);
  });
});
