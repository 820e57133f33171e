// No Solana validator can run on these machines: Drift-layout accounts (encoded by anchor with
// Drift's published IDL) are served by the testkit's loopback Solana JSON-RPC.
import { perpLiquidationPrice } from "@breakwater/core";
import { PositionSide, PositionStatus, type PositionUpdate } from "@breakwater/proto";
import { createLogger } from "@breakwater/telemetry";
import { eventually } from "@breakwater/testkit";
import { register } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { MemorySink } from "../evm/evm-test-helpers.js";
import { SolanaDriver } from "./solana-driver.js";
import { newAddress, startTestCluster, type TestCluster } from "./solana-test-cluster.js";

const log = createLogger("test", "silent");

describe("Solana driver with the Drift venue (in-process, loopback RPC)", () => {
  let cluster: TestCluster;
  let abort: AbortController;
  let done: Promise<void> | undefined;

  afterEach(async () => {
    abort?.abort();
    await done;
    await cluster?.stop();
  });

  const follow = (drift: Record<string, unknown> = {}) => {
    const sink = new MemorySink();
    const config = cluster.config({ adapters: [{ kind: "drift", venueId: "drift", ...drift }] });
    abort = new AbortController();
    done = new SolanaDriver({ chainId: "sol-drift", config, log }).start(undefined, sink, abort.signal);
    return sink;
  };
  const positions = (sink: MemorySink) =>
    sink.events.filter((e) => e.kind === "position").map((e) => e.value as PositionUpdate);

  it("default: a user's perp position and collateral become normalized positions with a cross-margin liquidation price", async () => {
    cluster = await startTestCluster();
    await cluster.driftMarkets(100);
    const authority = newAddress();
    const user = newAddress();
    // 10 SOL long entered at 100 (quote −1000 USDC), 200 USDC deposited
    await cluster.driftUser(user, {
      authority,
      perps: [
        {
          marketIndex: 0,
          base: 10_000_000_000n,
          quote: -1_000_000_000n,
          quoteEntry: -1_000_000_000n,
          quoteBreakEven: -1_000_500_000n,
        },
      ],
      spots: [{ marketIndex: 0, scaledBalance: 200_000_000_000n }],
    });
    cluster.ledger.advance(3);
    const sink = follow();
    await eventually(() => (positions(sink).length === 2 ? true : undefined));
    const [perp, usdc] = positions(sink);
    expect(perp).toMatchObject({
      venueId: "drift",
      account: authority,
      market: "SOL-PERP",
      asset: "SOL",
      side: PositionSide.POSITION_SIDE_LONG,
      status: PositionStatus.POSITION_STATUS_OPEN,
      size: "10",
      entryPrice: "100",
      collateralAsset: "USDC",
      collateralAmount: "200",
    });
    // 200 + 10·P − 1000 = 0.05 · 10 · P
    expect(Number(perp!.liquidationPrice)).toBeCloseTo(800 / 9.5, 5);
    expect(Number(perp!.liquidationPrice)).toBeCloseTo(
      perpLiquidationPrice(
        {
          perps: [{ base: 10, quote: -1000, price: 100, maintenanceRatio: 0.05 }],
          spots: [{ amount: 200, price: 1, assetWeight: 1, liabilityWeight: 1 }],
        },
        0,
      )!,
      5,
    );
    expect(perp!.eventId).toMatch(new RegExp(`^sol-drift:\\d+:${user}:[0-9a-f]{16}:SOL-PERP$`));
    expect(usdc).toMatchObject({
      market: "USDC",
      asset: "USDC",
      side: PositionSide.POSITION_SIDE_SUPPLY,
      size: "200",
    });
  });

  it("behavior: a closed perp position is published CLOSED; an unknown market is rejected, not published", async () => {
    cluster = await startTestCluster();
    await cluster.driftMarkets(100);
    const authority = newAddress();
    const user = newAddress();
    await cluster.driftUser(user, {
      authority,
      subAccountId: 2,
      perps: [
        {
          marketIndex: 0,
          base: -5_000_000_000n,
          quote: 500_000_000n,
          quoteEntry: 500_000_000n,
          quoteBreakEven: 500_000_000n,
        },
      ],
      spots: [{ marketIndex: 0, scaledBalance: 100_000_000_000n }],
    });
    await cluster.driftUser(newAddress(), {
      authority: newAddress(),
      perps: [{ marketIndex: 7, base: 1n, quote: 0n, quoteEntry: 0n, quoteBreakEven: 0n }],
      spots: [],
    });
    cluster.ledger.advance(3);
    const sink = follow();
    await eventually(() => (positions(sink).length === 2 ? true : undefined));
    expect(positions(sink)[0]).toMatchObject({
      account: `${authority}/2`,
      side: PositionSide.POSITION_SIDE_SHORT,
      size: "5",
    });
    await cluster.driftUser(user, {
      authority,
      subAccountId: 2,
      perps: [],
      spots: [{ marketIndex: 0, scaledBalance: 100_000_000_000n }],
    });
    cluster.ledger.advance(3);
    await eventually(() => (positions(sink).length === 4 ? true : undefined));
    const closed = positions(sink).find((p) => p.status === PositionStatus.POSITION_STATUS_CLOSED);
    expect(closed).toMatchObject({ market: "SOL-PERP", side: PositionSide.POSITION_SIDE_SHORT, size: "0" });
    expect(positions(sink).every((p) => p.account.startsWith(authority))).toBe(true);
    expect(await register.getSingleMetricAsString("bw_watcher_accounts_rejected_total")).toMatch(
      /bw_watcher_accounts_rejected_total\{chain="sol-drift",adapter="drift",reason="unknown_market"\} 1/,
    );
  });

  it("behavior: a closed user account closes every position it held, once", async () => {
    cluster = await startTestCluster();
    await cluster.driftMarkets(100);
    const authority = newAddress();
    const user = newAddress();
    await cluster.driftUser(user, {
      authority,
      perps: [
        {
          marketIndex: 0,
          base: 2_000_000_000n,
          quote: -200_000_000n,
          quoteEntry: -200_000_000n,
          quoteBreakEven: -200_000_000n,
        },
      ],
      spots: [{ marketIndex: 0, scaledBalance: 50_000_000_000n }],
    });
    cluster.ledger.advance(3);
    const sink = follow();
    await eventually(() => (positions(sink).length === 2 ? true : undefined));
    cluster.ledger.write(user, "dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH", undefined);
    cluster.ledger.advance(3);
    await eventually(() => (positions(sink).length === 4 ? true : undefined));
    const closed = positions(sink).slice(2);
    expect(closed.map((p) => [p.market, p.status, p.size, p.account])).toEqual([
      ["SOL-PERP", PositionStatus.POSITION_STATUS_CLOSED, "0", authority],
      ["USDC", PositionStatus.POSITION_STATUS_CLOSED, "0", authority],
    ]);
    cluster.ledger.advance(3);
    await new Promise((r) => setTimeout(r, 200));
    expect(positions(sink)).toHaveLength(4);
  });

  it("behavior: users read in 256 parts by the authority's first byte are the same users, each once", async () => {
    cluster = await startTestCluster();
    await cluster.driftMarkets(100);
    const authorities = Array.from({ length: 12 }, newAddress);
    for (const authority of authorities)
      await cluster.driftUser(newAddress(), {
        authority,
        perps: [
          {
            marketIndex: 0,
            base: 1_000_000_000n,
            quote: -100_000_000n,
            quoteEntry: -100_000_000n,
            quoteBreakEven: -100_000_000n,
          },
        ],
        spots: [],
      });
    cluster.ledger.advance(3);
    const before = cluster.servers[0]!.calls.get("getProgramAccounts") ?? 0;
    const sink = follow({ partitionUsers: true });
    await eventually(() => (positions(sink).length === 12 ? true : undefined));
    expect(
      positions(sink)
        .map((p) => p.account)
        .sort(),
    ).toEqual([...authorities].sort());
    // markets (2 queries) and 256 user parts
    expect((cluster.servers[0]!.calls.get("getProgramAccounts") ?? 0) - before).toBeGreaterThanOrEqual(258);
  });
});
