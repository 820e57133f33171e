import { describe, expect, it } from "vitest";
import { parseDepth, parseFund, parseScenarioFile, parseShock, stressBodyOf } from "./stress-input.js";

const none = { shock: [], depth: [], fund: [] };

describe("stress input", () => {
  it("shocks as fractions or percentages, depth with an optional exponent, funds", () => {
    expect(parseShock("ETH=-0.2")).toEqual({ asset: "ETH", move: -0.2 });
    expect(parseShock("ETH=-20%")).toEqual({ asset: "ETH", move: -0.2 });
    expect(parseShock("BTC=+5%").move).toBeCloseTo(0.05, 12);
    expect(parseDepth("ETH=25000000:0.5")).toEqual({
      asset: "ETH",
      notionalPer1pct: 25_000_000,
      exponent: 0.5,
    });
    expect(parseDepth("ETH=1e7")).toEqual({ asset: "ETH", notionalPer1pct: 1e7, exponent: 1 });
    expect(parseFund("perp-a=5000000")).toEqual({ venueId: "perp-a", amount: 5_000_000 });
  });

  it("bad values name the flag and the expected shape", () => {
    expect(() => parseShock("ETH")).toThrow(/--shock: "ETH" is not ASSET=MOVE/);
    expect(() => parseShock("ETH=down")).toThrow(/--shock ETH: "down" is not a number/);
    expect(() => parseDepth("ETH=")).toThrow(/--depth/);
    expect(() => parseFund("perp-a=lots")).toThrow(/--fund perp-a: "lots" is not a number/);
  });

  it("a YAML file, with flags appended and scalars overridden", () => {
    const file = parseScenarioFile(
      "shocks:\n  - { asset: ETH, move: -0.1 }\nmaxRounds: 3\npropagate: true\ninsuranceFunds: [{ venueId: perp-a, amount: 10 }]\n",
      "s.yaml",
    );
    expect(stressBodyOf(file, { ...none, shock: ["BTC=-5%"], maxRounds: 7, propagate: false })).toEqual({
      shocks: [
        { asset: "ETH", move: -0.1 },
        { asset: "BTC", move: -0.05 },
      ],
      maxRounds: 7,
      propagate: false,
      insuranceFunds: [{ venueId: "perp-a", amount: 10 }],
    });
    expect(stressBodyOf(undefined, { ...none, shock: ["ETH=-0.3"] })).toEqual({
      shocks: [{ asset: "ETH", move: -0.3 }],
    });
  });

  it("a file with unknown keys or wrong types, or no shock at all, is refused before any request", () => {
    expect(() => parseScenarioFile('{"shock": []}', "s.json")).toThrow(/unknown key shock/);
    expect(() => parseScenarioFile('{"shocks": {}}', "s.json")).toThrow(/shocks must be a list/);
    expect(() => parseScenarioFile("[1]", "s.yaml")).toThrow(/expected an object/);
    expect(() => parseScenarioFile("{", "s.json")).toThrow(/cannot parse/);
    expect(() => stressBodyOf(undefined, none)).toThrow(/at least one shock/);
  });
});
