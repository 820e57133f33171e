import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concernsVenue, type VenueScope } from "./signal.js";

const signal = (scope: {
  assets?: string[];
  markets?: string[];
  chains?: string[];
  venues?: string[];
  internal?: boolean;
}) => ({
  scope: { assets: [], markets: [], chains: [], venues: [], ...scope },
});

describe("a signal within a venue's registered scope", () => {
  const ethOnly: VenueScope = { assets: ["ETH"], chains: ["1"] };

  it("behavior: an asset or chain the venue does not trade is out of its scope", () => {
    expect(concernsVenue(signal({ assets: ["ETH"] }), "a", ethOnly)).toBe(true);
    expect(concernsVenue(signal({ assets: ["BTC"] }), "a", ethOnly)).toBe(false);
    expect(concernsVenue(signal({ assets: ["ETH"], chains: ["42161"] }), "a", ethOnly)).toBe(false);
    expect(concernsVenue(signal({ assets: ["BTC", "ETH"] }), "a", ethOnly)).toBe(true);
  });

  it("behavior: a market-wide signal (no assets named) concerns every registered venue", () => {
    expect(concernsVenue(signal({}), "a", ethOnly)).toBe(true);
  });

  it("behavior: a signal naming other venues, or internal, never concerns the venue", () => {
    expect(concernsVenue(signal({ venues: ["b"] }), "a", {})).toBe(false);
    expect(concernsVenue(signal({ venues: ["a"] }), "a", {})).toBe(true);
    expect(concernsVenue(signal({ internal: true }), "a")).toBe(false);
  });

  it("property: registering a scope only ever narrows what a venue receives", () => {
    const names = fc.array(fc.constantFrom("ETH", "BTC", "SOL", "1", "10"), { maxLength: 3 });
    fc.assert(
      fc.property(names, names, names, names, (assets, chains, regAssets, regChains) => {
        const s = signal({ assets, chains });
        const scoped = concernsVenue(s, "a", { assets: regAssets, chains: regChains });
        if (scoped) expect(concernsVenue(s, "a")).toBe(true);
      }),
    );
  });
});
