import type { CascadeResult } from "@breakwater/core";
// Human output of the correlator's answers: pure functions from the API's JSON to text.
import { formatBps, formatCount, formatList, formatMove, formatNumber, formatTime } from "./numbers.js";
import { renderTable } from "./table.js";

/** `GET /v1/exposure`. */
export interface ExposureAnswer {
  readonly takenAtMs: number;
  readonly rows: readonly {
    readonly asset: string;
    readonly venueId: string;
    readonly chainId: string;
    readonly longNotional: number;
    readonly shortNotional: number;
    readonly netNotional: number;
    readonly grossNotional: number;
    readonly collateralValue: number;
    readonly positions: number;
    readonly stale: boolean;
  }[];
  readonly referencePrices: Readonly<Record<string, string>>;
  readonly staleChains: readonly string[];
  readonly unpriceableAssets: readonly string[];
}

export function formatExposure(a: ExposureAnswer): string {
  const rows = a.rows.map((r) => [
    r.asset,
    r.venueId,
    r.chainId,
    formatNumber(r.longNotional),
    formatNumber(r.shortNotional),
    formatNumber(r.netNotional),
    formatNumber(r.grossNotional),
    formatNumber(r.collateralValue),
    formatCount(r.positions),
    r.stale ? "stale" : "",
  ]);
  const table = renderTable(
    [
      { header: "ASSET" },
      { header: "VENUE" },
      { header: "CHAIN" },
      { header: "LONG", align: "right" },
      { header: "SHORT", align: "right" },
      { header: "NET", align: "right" },
      { header: "GROSS", align: "right" },
      { header: "COLLATERAL", align: "right" },
      { header: "POSITIONS", align: "right" },
      { header: "STALE" },
    ],
    rows,
  );
  const prices = Object.entries(a.referencePrices)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([asset, price]) => `${asset} ${price}`);
  return [
    table,
    `reference prices: ${formatList(prices)}`,
    `unpriceable assets: ${formatList(a.unpriceableAssets)}`,
    `stale chains: ${formatList(a.staleChains)}`,
    `taken at ${formatTime(a.takenAtMs)}`,
    "",
  ].join("\n");
}

/** `GET /v1/ladder`. */
export interface LadderAnswer {
  readonly takenAtMs: number;
  readonly ladders: readonly {
    readonly asset: string;
    readonly price: number;
    readonly stepBps: number;
    readonly rungs: readonly {
      readonly moveBps: number;
      readonly price: number;
      readonly positions: number;
      readonly size: number;
      readonly notional: number;
      readonly cumulativeNotional: number;
    }[];
    readonly beyondRangePositions: number;
    readonly beyondRangeNotional: number;
    readonly withoutLiquidationPrice: number;
  }[];
  readonly staleChains: readonly string[];
}

/** Each asset's ladder; only rungs where positions liquidate unless `allRungs`. */
export function formatLadder(a: LadderAnswer, opts: { allRungs?: boolean } = {}): string {
  const parts: string[] = [];
  for (const l of a.ladders) {
    const rungs = opts.allRungs ? l.rungs : l.rungs.filter((r) => r.positions > 0);
    parts.push(
      `${l.asset}  price ${formatNumber(l.price)}  step ${formatBps(l.stepBps).replace("+", "")}` +
        (opts.allRungs ? "" : "  (rungs where positions liquidate; --all-rungs for every rung)"),
      renderTable(
        [
          { header: "MOVE", align: "right" },
          { header: "PRICE", align: "right" },
          { header: "POSITIONS", align: "right" },
          { header: "SIZE", align: "right" },
          { header: "NOTIONAL", align: "right" },
          { header: "CUMULATIVE", align: "right" },
        ],
        rungs.map((r) => [
          formatBps(r.moveBps),
          formatNumber(r.price),
          formatCount(r.positions),
          formatNumber(r.size, 4),
          formatNumber(r.notional),
          formatNumber(r.cumulativeNotional),
        ]),
      ) +
        `beyond range: ${formatCount(l.beyondRangePositions)} positions, notional ${formatNumber(l.beyondRangeNotional)}; ` +
        `without a liquidation price: ${formatCount(l.withoutLiquidationPrice)}\n`,
    );
  }
  if (a.ladders.length === 0) parts.push("no priced asset holds positions\n");
  parts.push(`stale chains: ${formatList(a.staleChains)}\ntaken at ${formatTime(a.takenAtMs)}\n`);
  return parts.join("\n");
}

/**
 * `POST /v1/stress`: core's cascade result as the correlator serves it (`byVenue` and `byChain`
 * named `venues` and `chains`), with the chains that were stale.
 */
export type StressAnswer = Omit<CascadeResult, "byVenue" | "byChain" | "perRound"> & {
  readonly perRound: readonly {
    readonly round: number;
    readonly positions: number;
    readonly notional: number;
  }[];
  readonly venues: CascadeResult["byVenue"];
  readonly chains: CascadeResult["byChain"];
  readonly staleChains: readonly string[];
};

export function formatStress(a: StressAnswer): string {
  const summary = [
    `rounds: ${a.rounds} (${a.converged ? "converged" : "not converged: raise maxRounds"})`,
    `liquidated: ${formatCount(a.liquidatedPositions)} positions, notional ${formatNumber(a.liquidatedNotional)}`,
    `bad debt: ${formatNumber(a.badDebt)}, uncovered by insurance funds: ${formatNumber(a.uncoveredBadDebt)}`,
    `stale chains: ${formatList(a.staleChains)}`,
  ].join("\n");
  const assets = renderTable(
    [
      { header: "ASSET" },
      { header: "SHOCK", align: "right" },
      { header: "MOVE", align: "right" },
      { header: "INITIAL", align: "right" },
      { header: "FINAL", align: "right" },
      { header: "LIQUIDATED", align: "right" },
    ],
    a.assets.map((x) => [
      x.asset,
      formatMove(x.shock),
      formatMove(x.move),
      formatNumber(x.initialPrice),
      formatNumber(x.finalPrice),
      formatNumber(x.liquidatedNotional),
    ]),
  );
  const venues = renderTable(
    [
      { header: "VENUE" },
      { header: "POSITIONS", align: "right" },
      { header: "NOTIONAL", align: "right" },
      { header: "BAD DEBT", align: "right" },
      { header: "FUND", align: "right" },
      { header: "UNCOVERED", align: "right" },
    ],
    a.venues.map((v) => [
      v.venueId,
      formatCount(v.positions),
      formatNumber(v.notional),
      formatNumber(v.badDebt),
      formatNumber(v.insuranceFund),
      formatNumber(v.uncovered),
    ]),
  );
  const chains = renderTable(
    [{ header: "CHAIN" }, { header: "POSITIONS", align: "right" }, { header: "NOTIONAL", align: "right" }],
    a.chains.map((c) => [c.chainId, formatCount(c.positions), formatNumber(c.notional)]),
  );
  const rounds = renderTable(
    [
      { header: "ROUND", align: "right" },
      { header: "POSITIONS", align: "right" },
      { header: "NOTIONAL", align: "right" },
    ],
    a.perRound.map((r) => [String(r.round), formatCount(r.positions), formatNumber(r.notional)]),
  );
  return [summary, "", assets, venues, chains, rounds].join("\n");
}
