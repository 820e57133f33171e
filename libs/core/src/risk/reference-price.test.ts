import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { medianDecimal, type PriceObservation, ReferencePriceBook } from "./reference-price.js";

const T0 = 1_700_000_000_000;

function obs(p: Partial<PriceObservation>): PriceObservation {
  return { asset: "ETH", chainId: "sim-a", source: "oracle", price: "2000", chainTimeMs: T0, ...p };
}

describe("medianDecimal", () => {
  it("default: the middle value of an odd count, exactly as written", () => {
    expect(medianDecimal(["3", "1.25", "2.5"])).toBe("2.5");
  });

  it("behavior: an even count averages the middle two without a float", () => {
    expect(medianDecimal(["1", "2"])).toBe("1.5");
    expect(medianDecimal(["0.1", "0.2"])).toBe("0.15");
    expect(medianDecimal(["1999.99", "2000.01", "1", "99999"])).toBe("2000");
    expect(medianDecimal(["123456789012345678901234567890.1", "123456789012345678901234567890.2"])).toBe(
      "123456789012345678901234567890.15",
    );
  });

  it("behavior: sorts by value, not by text", () => {
    expect(medianDecimal(["10", "9", "100"])).toBe("10");
  });

  it("behavior: rejects an empty list and anything that is not a non-negative decimal", () => {
    expect(() => medianDecimal([])).toThrow(/no values/);
    expect(() => medianDecimal(["-1"])).toThrow(/not a non-negative decimal/);
    expect(() => medianDecimal(["1e3"])).toThrow(/not a non-negative decimal/);
  });

  it("property: agrees with the float median within rounding", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 15 }),
        (cents) => {
          const texts = cents.map((c) => (c / 100).toFixed(2));
          const sorted = [...cents].sort((a, b) => a - b);
          const mid = sorted.length >> 1;
          const expected = sorted.length % 2 ? sorted[mid]! / 100 : (sorted[mid - 1]! + sorted[mid]!) / 200;
          expect(Number(medianDecimal(texts))).toBeCloseTo(expected, 9);
        },
      ),
    );
  });
});

describe("ReferencePriceBook", () => {
  it("behavior: a tick whose chain time runs ahead of its receipt cannot leave the real sources stale or pin the price", () => {
    const book = new ReferencePriceBook(30_000);
    const at = T0 + 5_000;
    for (const source of ["a", "b", "c"]) book.observe(obs({ source, price: "2000", receivedAtMs: at }));
    for (const ahead of [3_600_000, 75 * 365.25 * 86_400_000]) {
      const ref = book.observe(
        obs({ source: "forged", price: "2000", chainTimeMs: T0 + ahead, receivedAtMs: at + 1 }),
      );
      expect(ref).toMatchObject({ freshSources: 4, unpriceable: false, newestMs: at + 1 });
    }
    // the real sources fall 8%: the reference follows them, the forged source is outvoted
    let ref = book.observe(
      obs({ source: "a", price: "1840", chainTimeMs: T0 + 1_000, receivedAtMs: at + 2 }),
    );
    ref = book.observe(obs({ source: "b", price: "1840", chainTimeMs: T0 + 1_000, receivedAtMs: at + 3 }));
    ref = book.observe(obs({ source: "c", price: "1840", chainTimeMs: T0 + 1_000, receivedAtMs: at + 4 }));
    expect(ref).toMatchObject({ price: "1840", sources: 3, freshSources: 4, unpriceable: false });
    expect(ref.observations.find((o) => o.source === "a")).toMatchObject({ fresh: true, agreeing: true });
  });

  it("default: the median of the agreeing (chain, source) pairs, with their count and divergence", () => {
    const book = new ReferencePriceBook(30_000);
    book.observe(obs({ chainId: "sim-a", source: "oracle", price: "1990" }));
    book.observe(obs({ chainId: "sim-a", source: "oracle", price: "2000" }));
    book.observe(obs({ chainId: "sim-b", source: "oracle", price: "2010" }));
    const ref = book.observe(obs({ chainId: "sim-b", source: "pyth", price: "2004" }));
    expect(ref).toMatchObject({
      asset: "ETH",
      price: "2004",
      value: 2004,
      sources: 3,
      freshSources: 3,
      unpriceable: false,
      newestMs: T0,
      chains: ["sim-a", "sim-b"],
    });
    expect(ref.divergence).toBeCloseTo(10 / 2004, 12);
    expect(ref.observations.map((o) => [o.chainId, o.source, o.price, o.agreeing])).toEqual([
      ["sim-a", "oracle", "2000", true],
      ["sim-b", "oracle", "2010", true],
      ["sim-b", "pyth", "2004", true],
    ]);
  });

  it("behavior: a lone source that jumps is rejected; the others set the price", () => {
    const book = new ReferencePriceBook();
    book.observe(obs({ source: "a", price: "2000" }));
    book.observe(obs({ source: "b", price: "2001" }));
    book.observe(obs({ source: "c", price: "2002" }));
    const ref = book.observe(obs({ source: "d", price: "2600" }));
    expect(ref).toMatchObject({ price: "2001", sources: 3, freshSources: 4, unpriceable: false });
    const d = ref.observations.find((o) => o.source === "d")!;
    expect(d).toMatchObject({ fresh: true, agreeing: false });
    expect(d.deviation).toBeCloseTo(598.5 / 2001.5, 9);
    expect(ref.divergence).toBeCloseTo(600 / 2001.5, 9);
  });

  it("behavior: a split with no clear majority is unpriceable; the last agreed price is kept aside", () => {
    const book = new ReferencePriceBook();
    book.observe(obs({ source: "a", price: "2000" }));
    book.observe(obs({ source: "b", price: "2000.5" }));
    book.observe(obs({ source: "c", price: "1500" }));
    const ref = book.observe(obs({ source: "d", price: "1500.5" }));
    expect(ref).toMatchObject({ price: "", sources: 0, freshSources: 4, unpriceable: true, chains: [] });
    expect(Number.isNaN(ref.value)).toBe(true);
    expect(ref.lastPrice).toBe("2000.25");
    expect(ref.observations.every((o) => !o.agreeing)).toBe(true);
  });

  it("behavior: two sources agree within the band, or split", () => {
    const book = new ReferencePriceBook();
    book.observe(obs({ chainId: "sim-a", price: "100" }));
    expect(book.observe(obs({ chainId: "sim-b", price: "100.5" }))).toMatchObject({
      price: "100.25",
      sources: 2,
    });
    expect(book.observe(obs({ chainId: "sim-b", price: "103" }))).toMatchObject({ unpriceable: true });
  });

  it("behavior: a pair exactly freshMs older than the newest tick is still fresh", () => {
    const book = new ReferencePriceBook(30_000);
    book.observe(obs({ source: "slow", price: "100", chainTimeMs: T0 }));
    const ref = book.observe(obs({ source: "fast", price: "100.2", chainTimeMs: T0 + 30_000 }));
    expect(ref).toMatchObject({ price: "100.1", sources: 2 });
    expect(ref.observations.find((o) => o.source === "slow")).toMatchObject({ ageMs: 30_000, fresh: true });
  });

  it("behavior: a pair one ms older than the bound drops out (stale), shown with its age", () => {
    const book = new ReferencePriceBook(30_000);
    book.observe(obs({ source: "slow", price: "100", chainTimeMs: T0 }));
    const ref = book.observe(obs({ source: "fast", price: "200", chainTimeMs: T0 + 30_001 }));
    expect(ref).toMatchObject({ price: "200", sources: 1, freshSources: 1, newestMs: T0 + 30_001 });
    expect(ref.observations.find((o) => o.source === "slow")).toMatchObject({
      ageMs: 30_001,
      fresh: false,
      agreeing: false,
    });
    // the stale pair comes back once it ticks again
    expect(book.observe(obs({ source: "slow", price: "199", chainTimeMs: T0 + 30_002 }))).toMatchObject({
      price: "199.5",
      sources: 2,
    });
  });

  it("behavior: a lone source that stops updating goes stale against the clock; a new tick brings it back", () => {
    const book = new ReferencePriceBook({ freshMs: 30_000, maxAgeMs: 120_000 });
    book.advanceClock(T0);
    expect(book.observe(obs({ source: "only", price: "2000", chainTimeMs: T0 }))).toMatchObject({
      price: "2000",
      unpriceable: false,
    });
    // heartbeats of any chain move the clock: exactly 120 s later the tick still counts…
    book.advanceClock(T0 + 120_000);
    expect(book.referenceOf("ETH")).toMatchObject({ price: "2000", freshSources: 1 });
    // …one ms more and it is stale though it is the asset's newest tick: unpriceable, last price kept aside
    book.advanceClock(T0 + 120_001);
    const stale = book.referenceOf("ETH")!;
    expect(stale).toMatchObject({ price: "", unpriceable: true, freshSources: 0, lastPrice: "2000" });
    expect(stale.observations[0]).toMatchObject({ fresh: false, excluded: "clock", agreeing: false });
    // the clock never runs back
    book.advanceClock(T0);
    expect(book.referenceOf("ETH")!.unpriceable).toBe(true);
    expect(book.observe(obs({ source: "only", price: "2010", chainTimeMs: T0 + 121_000 }))).toMatchObject({
      price: "2010",
      unpriceable: false,
    });
  });

  it("behavior: each pair left out says why: behind the newest tick, outlier, or split", () => {
    const book = new ReferencePriceBook({ freshMs: 30_000 });
    book.observe(obs({ source: "slow", price: "2000", chainTimeMs: T0 }));
    for (const source of ["a", "b"]) book.observe(obs({ source, price: "2000", chainTimeMs: T0 + 40_000 }));
    const ref = book.observe(obs({ source: "jump", price: "2600", chainTimeMs: T0 + 40_000 }));
    expect(Object.fromEntries(ref.observations.map((o) => [o.source, o.excluded]))).toEqual({
      a: "",
      b: "",
      jump: "outlier",
      slow: "behind_newest",
    });
    const split = new ReferencePriceBook({ freshMs: 30_000 });
    split.observe(obs({ source: "x", price: "2000", chainTimeMs: T0 }));
    const two = split.observe(obs({ source: "y", price: "2600", chainTimeMs: T0 }));
    expect(two.observations.map((o) => o.excluded)).toEqual(["split", "split"]);
  });

  it("behavior: freshness is relative to the asset's newest tick, not to other assets", () => {
    const book = new ReferencePriceBook(1_000);
    book.observe(obs({ asset: "ETH", source: "a", price: "2000", chainTimeMs: T0 }));
    book.observe(obs({ asset: "ETH", source: "b", price: "2002", chainTimeMs: T0 }));
    book.observe(obs({ asset: "BTC", price: "60000", chainTimeMs: T0 + 3_600_000 }));
    expect(book.referenceOf("ETH")).toMatchObject({ price: "2001", sources: 2 });
    expect(book.assets()).toEqual(["BTC", "ETH"]);
  });

  it("behavior: an older tick of a pair does not replace its latest price", () => {
    const book = new ReferencePriceBook();
    book.observe(obs({ price: "2000", chainTimeMs: T0 + 10 }));
    const ref = book.observe(obs({ price: "1000", chainTimeMs: T0 }));
    expect(ref).toMatchObject({ price: "2000", newestMs: T0 + 10 });
  });

  it("behavior: observing the same tick twice changes nothing", () => {
    const book = new ReferencePriceBook();
    const tick = obs({ price: "1234.5" });
    const first = book.observe(tick);
    expect(book.observe(tick)).toEqual(first);
  });

  it("behavior: an unobserved asset has no reference and no pricing chains", () => {
    const book = new ReferencePriceBook();
    expect(book.referenceOf("SOL")).toBeUndefined();
    expect(book.chainsPricing("SOL")).toEqual([]);
  });

  it("behavior: chainsPricing lists stale pairs too; reference chains only agreeing ones", () => {
    const book = new ReferencePriceBook(10);
    book.observe(obs({ chainId: "sim-a", price: "1", chainTimeMs: T0 }));
    const ref = book.observe(obs({ chainId: "sim-b", price: "2", chainTimeMs: T0 + 100 }));
    expect(ref.chains).toEqual(["sim-b"]);
    expect(book.chainsPricing("ETH")).toEqual(["sim-a", "sim-b"]);
  });

  it("behavior: rejects a malformed price and bad options", () => {
    const book = new ReferencePriceBook();
    expect(() => book.observe(obs({ price: "abc" }))).toThrow(/not a non-negative decimal/);
    expect(book.referenceOf("ETH")).toBeUndefined();
    expect(() => new ReferencePriceBook(-1)).toThrow(RangeError);
    expect(() => new ReferencePriceBook({ minBand: 0.1, maxBand: 0.01 })).toThrow(RangeError);
  });

  it("property: with a strict majority of identical sources, the price is theirs whatever the others say", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 1, max: 1_000_000 }), { maxLength: 4 }),
        (agreeing, others) => {
          fc.pre(agreeing > others.length);
          const book = new ReferencePriceBook();
          for (let i = 0; i < agreeing; i++) book.observe(obs({ source: `good-${i}`, price: "2000" }));
          others.forEach((p, i) => {
            book.observe(obs({ source: `other-${i}`, price: String(p) }));
          });
          const ref = book.referenceOf("ETH")!;
          expect(ref.unpriceable).toBe(false);
          expect(Number(ref.price)).toBeCloseTo(2000, 0);
          expect(ref.sources).toBeGreaterThanOrEqual(agreeing);
        },
      ),
    );
  });
});
