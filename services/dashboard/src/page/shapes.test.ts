import { describe, expect, it } from "vitest";
import { chainsOf, compact, correlationMatrix, exposureMatrix } from "./shapes.js";

const row = (venueId: string, asset: string, chainId: string, grossNotional: number) => ({
  venueId,
  asset,
  chainId,
  grossNotional,
  netNotional: grossNotional / 2,
  positions: 1,
});

describe("the page's chart shapes", () => {
  const rows = [
    row("perp-a", "ETH", "sim-a", 100),
    row("perp-a", "ETH", "sim-b", 50),
    row("perp-b", "BTC", "sim-b", 30),
    row("lend-a", "SOL", "sim-a", 0),
  ];

  it("default: exposure sums a venue's asset over every chain, empty cells left out", () => {
    expect(exposureMatrix(rows, "")).toEqual({
      x: ["perp-a", "perp-b"],
      y: ["BTC", "ETH"],
      cells: [
        [0, 1, 150],
        [1, 0, 30],
      ],
    });
  });

  it("behavior: one chain's exposure counts that chain's rows only", () => {
    expect(exposureMatrix(rows, "sim-b").cells).toEqual([
      [0, 1, 50],
      [1, 0, 30],
    ]);
    expect(chainsOf(rows)).toEqual(["sim-a", "sim-b"]);
  });

  it("behavior: the correlation matrix is symmetric with 1 on the diagonal, unknown assets ignored", () => {
    const m = correlationMatrix(
      ["ETH", "BTC"],
      [
        { assetA: "BTC", assetB: "ETH", correlation: 0.8 },
        { assetA: "BTC", assetB: "DOGE", correlation: 0.1 },
      ],
    );
    expect(m.x).toEqual(["BTC", "ETH"]);
    expect(m.cells).toEqual([
      [0, 0, 1],
      [1, 1, 1],
      [0, 1, 0.8],
      [1, 0, 0.8],
    ]);
  });

  it("behavior: compact numbers", () => {
    expect([compact(2_540_000), compact(46_800), compact(12), compact(0.5), compact(-3e9)]).toEqual([
      "2.54M",
      "46.8k",
      "12",
      "0.50",
      "-3.00B",
    ]);
  });
});
