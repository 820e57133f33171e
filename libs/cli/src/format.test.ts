import { HaltMode, SignalKind } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { formatGeneratedKey } from "./format/keys.js";
import { formatBps, formatDuration, formatMove, formatNumber } from "./format/numbers.js";
import {
  type ExposureAnswer,
  formatExposure,
  formatLadder,
  formatStress,
  type StressAnswer,
} from "./format/research.js";
import { describeAction, describeScope, formatTailLine } from "./format/signals.js";
import { renderTable } from "./format/table.js";
import { formatVenues, latenessMs, venueViews } from "./format/venues.js";
import { haltSignal } from "./test-fixtures.js";

describe("formatting (pure)", () => {
  it("tables align columns, numbers to the right, and say (none) when empty", () => {
    expect(
      renderTable(
        [{ header: "A" }, { header: "N", align: "right" }],
        [
          ["x", "1"],
          ["long", "1,000"],
        ],
      ),
    ).toBe("A         N\nx         1\nlong  1,000\n");
    expect(renderTable([{ header: "A" }], [])).toBe("A\n(none)\n");
  });

  it("numbers, moves, basis points and durations", () => {
    expect(formatNumber(1234567.891)).toBe("1,234,567.89");
    expect(formatNumber(-0.5, 0)).toBe("-1");
    expect(formatMove(-0.2)).toBe("-20.00%");
    expect(formatMove(0.05)).toBe("+5.00%");
    expect(formatBps(-250)).toBe("-2.50%");
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_340)).toBe("12.3 s");
    expect(formatDuration(245_000)).toBe("4m05s");
    expect(formatDuration(900_000)).toBe("15m00s");
    expect(formatDuration(7_800_000)).toBe("2h10m");
  });

  it("exposure: one row per cell with the API's figures, then prices, unpriceable and stale chains", () => {
    const answer: ExposureAnswer = {
      takenAtMs: 1_767_225_600_000,
      rows: [
        {
          asset: "ETH",
          venueId: "perp-a",
          chainId: "sim-a",
          longNotional: 20_000,
          shortNotional: 4_000,
          netNotional: 16_000,
          grossNotional: 24_000,
          collateralValue: 0,
          positions: 3,
          stale: false,
        },
      ],
      referencePrices: { ETH: "2000" },
      staleChains: ["sim-b"],
      unpriceableAssets: [],
    };
    const text = formatExposure(answer);
    expect(text).toMatch(
      /^ETH\s+perp-a\s+sim-a\s+20,000\.00\s+4,000\.00\s+16,000\.00\s+24,000\.00\s+0\.00\s+3$/m,
    );
    expect(text).toContain("reference prices: ETH 2000");
    expect(text).toContain("unpriceable assets: none");
    expect(text).toContain("stale chains: sim-b");
    expect(text).toContain("taken at 2026-01-01T00:00:00.000Z");
  });

  it("ladder: rungs where positions liquidate unless every rung is asked for", () => {
    const rung = (moveBps: number, positions: number) => ({
      moveBps,
      price: 2000 * (1 + moveBps / 10_000),
      positions,
      size: positions,
      notional: positions * 2000,
      cumulativeNotional: positions * 2000,
    });
    const answer = {
      takenAtMs: 0,
      ladders: [
        {
          asset: "ETH",
          price: 2000,
          stepBps: 50,
          rungs: [rung(-100, 2), rung(-50, 0), rung(50, 0)],
          beyondRangePositions: 1,
          beyondRangeNotional: 500,
          withoutLiquidationPrice: 4,
        },
      ],
      staleChains: [],
    };
    const text = formatLadder(answer);
    expect(text).toMatch(/^\s*-1\.00%\s+1,980\.00\s+2\s+2\.0000\s+4,000\.00\s+4,000\.00$/m);
    expect(text).not.toContain("-0.50%");
    expect(text).toContain("beyond range: 1 positions, notional 500.00; without a liquidation price: 4");
    expect(formatLadder(answer, { allRungs: true })).toContain("-0.50%");
  });

  it("stress: summary, assets, venues, chains and rounds", () => {
    const answer: StressAnswer = {
      rounds: 2,
      converged: true,
      perRound: [{ round: 1, positions: 3, notional: 12_000 }],
      liquidatedPositions: 3,
      liquidatedNotional: 12_000,
      venues: [
        {
          venueId: "perp-a",
          positions: 3,
          notional: 12_000,
          badDebt: 150,
          insuranceFund: 100,
          uncovered: 50,
        },
      ],
      chains: [{ chainId: "sim-a", positions: 3, notional: 12_000 }],
      assets: [
        {
          asset: "ETH",
          initialPrice: 2000,
          finalPrice: 1500,
          move: -0.25,
          shock: -0.2,
          liquidatedNotional: 12_000,
        },
      ],
      badDebt: 150,
      uncoveredBadDebt: 50,
      staleChains: [],
    };
    const text = formatStress(answer);
    expect(text).toContain("rounds: 2 (converged)");
    expect(text).toContain("liquidated: 3 positions, notional 12,000.00");
    expect(text).toContain("bad debt: 150.00, uncovered by insurance funds: 50.00");
    expect(text).toMatch(/^ETH\s+-20\.00%\s+-25\.00%\s+2,000\.00\s+1,500\.00\s+12,000\.00$/m);
    expect(text).toMatch(/^perp-a\s+3\s+12,000\.00\s+150\.00\s+100\.00\s+50\.00$/m);
  });

  it("signals: action and scope in words, one tail line with the verdict", () => {
    const s = haltSignal(12, { keyId: "ed25519:00" });
    expect(describeAction(s)).toBe("halt level 1 full for 15m00s");
    expect(describeScope(s)).toBe("assets ETH; venues perp-a");
    expect(
      describeAction(
        haltSignal(3, {
          kind: SignalKind.SIGNAL_KIND_RESUME,
          action: { $case: "resume", value: { resumesSequence: 2 } },
        }),
      ),
    ).toBe("resume #2");
    expect(
      describeAction(
        haltSignal(3, {
          action: {
            $case: "circuitBreaker",
            value: { level: 2, durationMs: 60_000, mode: HaltMode.HALT_MODE_REDUCE_ONLY },
          },
        }),
      ),
    ).toBe("halt level 2 reduce-only for 1m00s");
    expect(describeScope(haltSignal(1, { scope: undefined }))).toBe("all");
    const ok = formatTailLine({ kind: "signal", signal: s, ok: true, where: "#12" });
    expect(ok).toMatch(/^#12 {2}circuit_breaker {2}halt level 1 full .* key ed25519:00 {2}verified\n$/);
    const bad = formatTailLine({
      kind: "signal",
      signal: s,
      ok: false,
      reason: "bad_signature",
      where: "#12",
    });
    expect(bad).toMatch(/FAILED: bad_signature\n$/);
  });

  it("venues: joined with late acks, lateness of acked and still-missing halts", () => {
    const venues = [
      {
        venueId: "perp-a",
        connected: true,
        subscriptions: 1,
        lastReceivedSequence: 7,
        lastAppliedSequence: 6,
        lastRejectedSequence: 0,
        lastAckAtMs: 9_000,
      },
    ];
    const late = [
      { sequence: 5, venueId: "perp-a", effectiveAtMs: 1_000, reportedAtMs: 1_250, ackedAtMs: 3_500 },
      { sequence: 5, venueId: "perp-b", effectiveAtMs: 1_000, reportedAtMs: 1_250, ackedAtMs: 0 },
    ];
    expect(latenessMs(late[0]!, 10_000)).toBe(2_500);
    expect(latenessMs(late[1]!, 10_000)).toBe(9_000);
    const views = venueViews(venues, late, 10_000);
    expect(views.map((v) => [v.venueId, v.lateHalts, v.missingAcks, v.worstLatenessMs])).toEqual([
      ["perp-a", 1, 0, 2_500],
      ["perp-b", 1, 1, 9_000],
    ]);
    const text = formatVenues(views, late, 10_000);
    expect(text).toMatch(
      /^perp-a\s+yes \(1\)\s+7\s+6\s+-\s+1970-01-01T00:00:09\.000Z \(1\.0 s ago\)\s+1\s+0\s+2\.5 s$/m,
    );
    expect(text).toMatch(/^\s*5\s+perp-b\s+1970-01-01T00:00:01\.000Z\s+missing\s+9\.0 s so far$/m);
  });

  it("keys generate: the key id, the public key and where each goes", () => {
    const text = formatGeneratedKey(
      {
        keyId: "ed25519:0123456789abcdef",
        publicKey: "PUB=",
        publicKeyPem: "-----BEGIN PUBLIC KEY-----\n",
        privateKeyPem: "x",
      },
      "/s/k.pem",
    );
    expect(text).toContain("BW_SIGNING_KEY_FILE=/s/k.pem");
    expect(text).toContain("--key ed25519:0123456789abcdef=PUB=");
    expect(text).not.toContain("x\n");
  });
});
