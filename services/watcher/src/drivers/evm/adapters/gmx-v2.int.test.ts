// GMX v2 positions from real EventEmitter logs on a Hardhat chain: the lab's
// MockGmxEventEmitter emits EventLog1 / EventLog2 encoded from GMX's
// published EventLogData layout; the EVM driver follows it in-process.
import { validatePositionUpdate } from "@breakwater/core";
import { PositionSide, PositionStatus, type PositionUpdate } from "@breakwater/proto";
import { createLogger } from "@breakwater/telemetry";
import { deployGmxEmitter, type EvmLab, eventually, type GmxLab, startEvmLab } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evmChainSchema } from "../evm-config.js";
import { EvmDriver } from "../evm-driver.js";
import { evmMetrics } from "../evm-metrics.js";
import { MemorySink } from "../evm-test-helpers.js";

describe("gmx-v2 adapter on real EventEmitter logs (driver in-process)", () => {
  let lab: EvmLab;
  let gmx: GmxLab;

  beforeAll(async () => {
    lab = await startEvmLab({ chain: "evm-gmx", prices: { ETH: 3000 } });
    gmx = await deployGmxEmitter(
      lab,
      [
        { asset: "ETH", indexDecimals: 18 },
        { asset: "BTC", indexDecimals: 8 },
      ],
      [
        { symbol: "USDC", decimals: 6 },
        { symbol: "ETH", decimals: 18 },
      ],
    );
  }, 60_000);

  afterAll(async () => {
    await lab?.stop();
  });

  const follow = async (startBlock: number, untilBlock: number, adapter: Record<string, unknown>) => {
    const config = evmChainSchema.parse(lab.chainConfig({ startBlock, pollMs: 50, adapters: [adapter] }));
    const sink = new MemorySink();
    const driver = new EvmDriver({ chainId: "evm-gmx", config, log: createLogger("test", "silent") });
    const abort = new AbortController();
    const done = driver.start(undefined, sink, abort.signal);
    await eventually(() => (sink.processedBlock >= untilBlock ? true : undefined), 30_000);
    abort.abort();
    await done;
    return sink.events.map((e) => e.value as PositionUpdate);
  };
  const row = (u: PositionUpdate | undefined) =>
    u && [
      u.market,
      u.side,
      u.status,
      u.size,
      u.entryPrice,
      u.collateralAsset,
      u.collateralAmount,
      u.liquidationPrice,
    ];

  it("default: increases, a decrease and a liquidation become position states with solved liquidation prices", async () => {
    const start = await lab.node.blockNumber();
    // trader 0: a 10x long of 10 ETH at 3,000 (30,000 USD) on 3,000 USDC
    const long = { market: "ETH", collateral: "USDC", isLong: true, indexPrice: 3000, collateralPrice: 1 };
    const opened = await gmx.increase(0, {
      ...long,
      sizeUsd: 30_000,
      sizeInTokens: 10,
      collateralAmount: 3_000,
    });
    // trader 1: a short of 0.5 BTC at 60,000 on 1 ETH of collateral (ETH is not BTC's index: valued at 3,000)
    const btc = {
      market: "BTC",
      collateral: "ETH",
      isLong: false,
      indexPrice: 60_000,
      collateralPrice: 3_000,
    };
    const short = await gmx.increase(1, { ...btc, sizeUsd: 30_000, sizeInTokens: 0.5, collateralAmount: 1 });
    // trader 2: a long of 10 ETH on 2 ETH of collateral (collateral moves with the index)
    const eth = { market: "ETH", collateral: "ETH", isLong: true, indexPrice: 3000, collateralPrice: 3000 };
    const ethLong = await gmx.increase(2, { ...eth, sizeUsd: 30_000, sizeInTokens: 10, collateralAmount: 2 });
    // events the follower ignores: another name through EventLog2
    const other = await gmx.other("OrderCreated");
    // trader 0 halves the long: 5 ETH, 15,000 USD, 1,500 USDC left
    const halved = await gmx.decrease(0, {
      ...long,
      sizeUsd: 15_000,
      sizeInTokens: 5,
      collateralAmount: 1_500,
    });
    const liquidated = await gmx.liquidate(2, { ...eth, sizeUsd: 0, sizeInTokens: 0, collateralAmount: 0 });

    const updates = await follow(start + 1, liquidated.blockNumber, gmx.adapterConfig("gmx-lab"));
    for (const u of updates) expect(() => validatePositionUpdate(u)).not.toThrow();
    expect(updates).toHaveLength(5);
    const at = (b: { blockNumber: number }) =>
      updates.find((u) => u.coordinates!.blockNumber === b.blockNumber);
    expect(at(other)).toBeUndefined();
    const LONG = PositionSide.POSITION_SIDE_LONG;
    const SHORT = PositionSide.POSITION_SIDE_SHORT;
    const OPEN = PositionStatus.POSITION_STATUS_OPEN;
    // long: (30,000 · 1.01 − 3,000) / 10 = 2,730
    expect(row(at(opened))).toEqual(["ETH/USD:USDC:long", LONG, OPEN, "10", "3000", "USDC", "3000", "2730"]);
    expect(at(opened)!.account).toBe(lab.traders[0]!.toLowerCase());
    // BTC short on 1 ETH valued at 3,000: (30,000 · 0.99 + 3,000) / 0.5 = 65,400
    expect(row(at(short))).toEqual(["BTC/USD:ETH:short", SHORT, OPEN, "0.5", "60000", "ETH", "1", "65400"]);
    // ETH long on 2 ETH: 30,300 / (2 + 10) = 2,525
    expect(row(at(ethLong))).toEqual(["ETH/USD:ETH:long", LONG, OPEN, "10", "3000", "ETH", "2", "2525"]);
    // halved: (15,000 · 1.01 − 1,500) / 5 = 2,730 again (same leverage)
    expect(row(at(halved))).toEqual(["ETH/USD:USDC:long", LONG, OPEN, "5", "3000", "USDC", "1500", "2730"]);
    expect(row(at(liquidated))).toEqual([
      "ETH/USD:ETH:long",
      LONG,
      PositionStatus.POSITION_STATUS_LIQUIDATED,
      "0",
      "",
      "ETH",
      "0",
      "",
    ]);
  }, 90_000);

  it("behavior: a position in a market that is not configured is rejected and counted, the others go on", async () => {
    const start = await lab.node.blockNumber();
    const cfg = gmx.adapterConfig("gmx-lab", 0.02) as { markets: Record<string, unknown> };
    const onlyEth = { ...cfg, markets: { [gmx.markets["ETH"]!]: cfg.markets[gmx.markets["ETH"]!] } };
    const before = async () =>
      (await evmMetrics.logsRejected.get()).values.find(
        (v) => v.labels["reason"] === "unconfigured_market" && v.labels["adapter"] === "gmx-v2:gmx-lab",
      )?.value ?? 0;
    const rejectedBefore = await before();
    await gmx.increase(3, {
      market: "BTC",
      collateral: "USDC",
      isLong: true,
      indexPrice: 60_000,
      collateralPrice: 1,
      sizeUsd: 60_000,
      sizeInTokens: 1,
      collateralAmount: 6_000,
    });
    const eth = await gmx.increase(3, {
      market: "ETH",
      collateral: "USDC",
      isLong: false,
      indexPrice: 3000,
      collateralPrice: 1,
      sizeUsd: 30_000,
      sizeInTokens: 10,
      collateralAmount: 6_000,
    });
    const updates = await follow(start + 1, eth.blockNumber, onlyEth);
    // minCollateralFactor 2%: (30,000 · 0.98 + 6,000) / 10 = 3,540
    expect(updates.map((u) => [u.market, u.liquidationPrice])).toEqual([["ETH/USD:USDC:short", "3540"]]);
    expect((await before()) - rejectedBefore).toBe(1);
  }, 90_000);
});
