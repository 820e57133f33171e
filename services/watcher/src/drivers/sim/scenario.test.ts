import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ScenarioError } from "../../errors.js";
import { loadScenario, parseScenario, scenarioFingerprint } from "./scenario.js";

const valid = {
  seed: 1,
  blockTimeMs: 100,
  assets: { ETH: 3000, SOL: 150 },
  chains: {
    "sim-x": {
      venues: [
        { id: "perp-x", kind: "perp", markets: ["ETH-PERP"] },
        { id: "lend-x", kind: "lending", assets: ["SOL"] },
      ],
      accounts: 3,
    },
  },
};

function problemsOf(raw: unknown): string[] {
  try {
    parseScenario(raw, "test");
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return [...(err as ScenarioError).problems];
  }
  throw new Error("expected the scenario to be rejected");
}

describe("scenario", () => {
  it("default: the shipped scenario has sim-a and sim-b and the ETH crash at +8 s", () => {
    const s = loadScenario();
    expect(Object.keys(s.chains)).toEqual(["sim-a", "sim-b"]);
    expect(s.chains["sim-a"]!.venues.map((v) => v.id)).toEqual(["perp-a", "lend-a"]);
    expect(s.chains["sim-b"]!.venues.map((v) => v.id)).toEqual(["perp-b"]);
    expect(s.shocks).toEqual([{ asset: "ETH", atMs: 8000, move: -0.08, overMs: 4000 }]);
    expect(s.blockTimeMs).toBe(250);
    expect(s.faults).toEqual([]);
  });

  it("default: optional sections get defaults", () => {
    const s = parseScenario(valid);
    expect(s.oracle).toEqual({ everyBlocks: 1, noiseBps: 0 });
    expect(s.shocks).toEqual([]);
    expect(s.repeatEveryMs).toBe(0);
  });

  it("behavior: JSON and YAML files load alike", () => {
    const dir = mkdtempSync(join(tmpdir(), "bw-scenario-"));
    writeFileSync(join(dir, "s.json"), JSON.stringify(valid));
    writeFileSync(
      join(dir, "s.yaml"),
      "seed: 1\nblockTimeMs: 100\nassets: {ETH: 3000, SOL: 150}\nchains:\n  sim-x:\n    venues:\n" +
        "      - {id: perp-x, kind: perp, markets: [ETH-PERP]}\n      - {id: lend-x, kind: lending, assets: [SOL]}\n" +
        "    accounts: 3\n",
    );
    expect(loadScenario(join(dir, "s.yaml"))).toEqual(loadScenario(join(dir, "s.json")));
  });

  it("behavior: every error names its field", () => {
    const problems = problemsOf({
      ...valid,
      blockTimeMs: "fast",
      assets: { ETH: -1, SOL: 150 },
      chains: {
        "sim-x": {
          venues: [
            { id: "perp-x", kind: "perp", markets: ["DOGE-PERP", "ETH"] },
            { id: "lend-x", kind: "options", assets: ["SOL"] },
          ],
          accounts: 0,
        },
      },
      oracle: { everyBlocks: 0 },
      shocks: [{ asset: "XRP", atMs: 10, move: -2 }],
      faults: [{ atMs: 5, kind: "stall" }],
      extra: true,
    });
    const joined = problems.join("\n");
    expect(joined).toMatch(/^blockTimeMs: /m);
    expect(joined).toMatch(/^assets\.ETH: /m);
    expect(joined).toMatch(/^chains\.sim-x\.venues\.0\.markets\.1: must be <ASSET>-PERP/m);
    expect(joined).toMatch(/^chains\.sim-x\.venues\.1\.kind: /m);
    expect(joined).toMatch(/^chains\.sim-x\.accounts: /m);
    expect(joined).toMatch(/^oracle\.everyBlocks: /m);
    expect(joined).toMatch(/^shocks\.0\.move: must be above -1/m);
    expect(joined).toMatch(/^faults\.0\.forMs: /m);
    expect(joined).toMatch(/extra/);
  });

  it("behavior: unknown assets, duplicate venues and shocks outside the repeat period are named", () => {
    const problems = problemsOf({
      ...valid,
      chains: {
        "sim-x": { venues: [{ id: "perp-x", kind: "perp", markets: ["DOGE-PERP"] }], accounts: 1 },
        "sim-y": { venues: [{ id: "perp-x", kind: "lending", assets: ["BTC"] }], accounts: 1 },
      },
      shocks: [{ asset: "XRP", atMs: 9000, move: -0.1, overMs: 2000 }],
      repeatEveryMs: 10_000,
    });
    expect(problems).toContain('chains.sim-x.venues.0.markets.0: unknown asset "DOGE" (known: ETH, SOL)');
    expect(problems).toContain('chains.sim-y.venues.0.assets.0: unknown asset "BTC" (known: ETH, SOL)');
    expect(problems).toContain("chains.sim-y.venues.0.id: duplicate venue id (chains.sim-x.venues.0)");
    expect(problems).toContain('shocks.0.asset: unknown asset "XRP" (known: ETH, SOL)');
    expect(problems.some((p) => p.startsWith("shocks.0.atMs: the shock must end within repeatEveryMs"))).toBe(
      true,
    );
  });

  it("behavior: a bad chain id and an unreadable file are reported", () => {
    expect(problemsOf({ ...valid, chains: { "Sim X": valid.chains["sim-x"] } }).join("\n")).toMatch(
      /^chains\.Sim X: chain ids are lowercase/m,
    );
    expect(() => loadScenario("/nonexistent/scenario.yaml")).toThrow(/cannot be read/);
  });

  it("behavior: the fingerprint changes with the content, not with key order", () => {
    const a = parseScenario(valid);
    expect(scenarioFingerprint(a)).toBe(scenarioFingerprint(parseScenario(valid)));
    expect(scenarioFingerprint(parseScenario({ ...valid, seed: 2 }))).not.toBe(scenarioFingerprint(a));
    const reordered = { chains: valid.chains, assets: { SOL: 150, ETH: 3000 }, blockTimeMs: 100, seed: 1 };
    expect(scenarioFingerprint(parseScenario(reordered))).toBe(scenarioFingerprint(a));
  });
});
