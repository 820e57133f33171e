import { validatePositionUpdate } from "@breakwater/core";
import { OptionKind, PositionSide, PositionStatus, type PositionUpdate } from "@breakwater/proto";
import { createLogger } from "@breakwater/telemetry";
import {
  type AaveLab,
  deployAavePool,
  type EvmLab,
  eventually,
  type Landed,
  loadArtifact,
  OPTIONS_VAULT_EVENTS,
  startEvmLab,
} from "@breakwater/testkit";
import { createWalletClient, type Hex, http, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evmChainSchema } from "../evm-config.js";
import { EvmDriver } from "../evm-driver.js";
import { MemorySink } from "../evm-test-helpers.js";

describe("adapters against contracts on a Hardhat chain (driver in-process)", () => {
  let lab: EvmLab;
  let aave: AaveLab;
  let sequencerFeed: Hex;
  let optionsVault: Hex;
  let send: (
    to: Hex,
    abiName: "MockAggregator" | "MockOptionsVault",
    fn: string,
    args: unknown[],
  ) => Promise<number>;

  beforeAll(async () => {
    lab = await startEvmLab({ chain: "evm-adapters", prices: { ETH: 3000, USDC: 1, DAI: 1, WSTETH: 3500 } });
    const accounts = await lab.node.rpc<Hex[]>("eth_accounts");
    const wallet = createWalletClient({ account: accounts[0]!, transport: http(lab.rpcUrl) });
    const receipt = async (hash: Hex) => {
      for (;;) {
        const r = await lab.node.rpc<{ contractAddress: Hex | null; blockNumber: string } | null>(
          "eth_getTransactionReceipt",
          [hash],
        );
        if (r) return r;
      }
    };
    const deploy = async (name: "MockAggregator" | "MockOptionsVault", args: unknown[]) => {
      const a = loadArtifact(name);
      return (
        await receipt(await wallet.deployContract({ abi: a.abi, bytecode: a.bytecode, args, chain: null }))
      ).contractAddress!;
    };
    send = async (to, abiName, functionName, args) => {
      const hash = await wallet.writeContract({
        address: to,
        abi: loadArtifact(abiName).abi,
        functionName,
        args,
        chain: null,
      });
      return Number.parseInt((await receipt(hash)).blockNumber, 16);
    };
    sequencerFeed = await deploy("MockAggregator", [0, "L2 Sequencer Uptime Status Feed", 0n]);
    optionsVault = await deploy("MockOptionsVault", []);
    aave = await deployAavePool(lab, [
      {
        asset: "ETH",
        decimals: 18,
        liquidationThresholdBps: 8250,
        liquidationBonusBps: 10500,
        eModeCategory: 1,
      },
      { asset: "USDC", decimals: 6, liquidationThresholdBps: 7800, liquidationBonusBps: 10450 },
      { asset: "DAI", decimals: 18, liquidationThresholdBps: 7700, liquidationBonusBps: 10400 },
      {
        asset: "WSTETH",
        decimals: 18,
        liquidationThresholdBps: 8100,
        liquidationBonusBps: 10600,
        eModeCategory: 1,
      },
    ]);
    // ETH-correlated eMode: 93% threshold, 1% bonus, no price source
    await aave.configureEMode(1, { ltvBps: 9000, liquidationThresholdBps: 9300, liquidationBonusBps: 10100 });
  });

  afterAll(async () => {
    await lab?.stop();
  });

  const follow = (
    sink: MemorySink,
    startBlock: number,
    adapters: unknown[],
    extra: Record<string, unknown> = {},
  ) => {
    const config = evmChainSchema.parse(lab.chainConfig({ startBlock, pollMs: 50, adapters, ...extra }));
    const driver = new EvmDriver({ chainId: "evm-adapters", config, log: createLogger("test", "silent") });
    const abort = new AbortController();
    const done = driver.start(undefined, sink, abort.signal);
    return async () => {
      abort.abort();
      await done;
    };
  };

  it("default: Aave v3 accounts solved whole from the Pool's and aTokens' real events, each leg at its block", async () => {
    const start = await lab.node.blockNumber();
    // A (trader 0): 10 ETH (82.5%) and 10,000 USDC (78%) as collateral, 20,000 DAI borrowed, then 5,000 repaid
    await aave.supply(0, "ETH", 10);
    await aave.supply(0, "USDC", 10_000);
    const aBorrow = await aave.borrow(0, "DAI", 20_000);
    const aRepay = await aave.repay(0, "DAI", 5_000);
    // B (1): a debt in a volatile asset: 50,000 USDC against 10 ETH borrowed
    await aave.supply(1, "USDC", 50_000);
    const bBorrow = await aave.borrow(1, "ETH", 10);
    // C (2): eMode 1 (93%), 100 WSTETH @ 3,500 against 100 ETH
    await aave.setEMode(2, 1);
    await aave.supply(2, "WSTETH", 100);
    const cBorrow = await aave.borrow(2, "ETH", 100);
    // D (3): 10 ETH against 25,500 DAI (HF 0.9706), 1,000 more (HF 0.934), then half the debt liquidated by trader 7
    await aave.supply(3, "ETH", 10);
    const d1 = await aave.borrow(3, "DAI", 25_500);
    const d2 = await aave.borrow(3, "DAI", 1_000);
    const dLiquidated = await aave.liquidate(7, 3, "ETH", "DAI", 13_250);
    // E (4): A's account, then USDC's collateral flag off
    await aave.supply(4, "ETH", 10);
    await aave.supply(4, "USDC", 10_000);
    const eBorrow = await aave.borrow(4, "DAI", 20_000);
    const eOff = await aave.setCollateral(4, "USDC", false);
    // F (5): 10 ETH against 20,000 DAI, then 5 aETH received from trader 6
    await aave.supply(5, "ETH", 10);
    const fBorrow = await aave.borrow(5, "DAI", 20_000);
    await aave.supply(6, "ETH", 5);
    const fReceived = await aave.transferATokens(6, 5, "ETH", 5);

    const sink = new MemorySink();
    const stop = follow(sink, start + 1, [aave.adapterConfig("aave-lab")]);
    await eventually(() => (sink.processedBlock >= fReceived.blockNumber ? true : undefined));
    await stop();
    const updates = sink.events.map((e) => e.value as PositionUpdate);
    for (const u of updates) expect(() => validatePositionUpdate(u)).not.toThrow();
    expect(new Set(updates.map((u) => u.eventId)).size).toBe(updates.length);
    /** [size, liquidation price, status, liquidatable size] of a trader's leg as published by one block's events. */
    const leg = (trader: number, market: string, at: Landed) => {
      const u = updates.findLast(
        (x) =>
          x.account === lab.traders[trader]!.toLowerCase() &&
          x.market === market &&
          x.coordinates!.blockNumber === at.blockNumber,
      );
      return u && [u.size, u.liquidationPrice, u.status, u.liquidatableSize];
    };
    const OPEN = PositionStatus.POSITION_STATUS_OPEN;
    // A: ETH (20,000 − 7,800) / 8.25 = 1,478.79, seizing there 50% of 20,000 · 1.05 / 1,478.79 = 7.1004 ETH;
    // USDC none (ETH covers the debt); DAI 32,550 / 20,000 = 1.6275, repaying 50% = 10,000
    expect(leg(0, "ETH", aBorrow)).toEqual(["10", "1478.78787879", OPEN, "7.10040983607"]);
    expect(leg(0, "USDC", aBorrow)).toEqual(["10000", "", OPEN, ""]);
    expect(leg(0, "DAI:debt", aBorrow)).toEqual(["20000", "1.6275", OPEN, "10000"]);
    // the Repay refreshes the collateral: ETH (15,000 − 7,800) / 8.25 = 872.73 (7,875 / 872.73 = 9.0234 seized);
    // DAI 32,550 / 15,000 = 2.17 (7,500 repaid)
    expect(leg(0, "ETH", aRepay)).toEqual(["10", "872.727272727", OPEN, "9.0234375"]);
    expect(leg(0, "DAI:debt", aRepay)).toEqual(["15000", "2.17", OPEN, "7500"]);
    // B: the ETH debt is liquidated by a rise to 39,000 / 10 = 3,900 (5 ETH repaid); USDC by a fall to
    // 30,000 / 39,000 = 0.76923 (15,000 · 1.045 / 0.76923 = 20,377.5 USDC seized)
    expect(leg(1, "ETH:debt", bBorrow)).toEqual(["10", "3900", OPEN, "5"]);
    expect(leg(1, "USDC", bBorrow)).toEqual(["50000", "0.769230769231", OPEN, "20377.5"]);
    // C: in eMode, WSTETH at 300,000 / (100 · 0.93) = 3,225.81 (outside it, 3,703.70: liquidatable already),
    // seizing 150,000 · 1.01 / 3,225.81 = 46.965 (the category's 1% bonus); the ETH debt at 325,500 / 100 = 3,255
    expect(leg(2, "WSTETH", cBorrow)).toEqual(["100", "3225.80645161", OPEN, "46.965"]);
    expect(leg(2, "ETH:debt", cBorrow)).toEqual(["100", "3255", OPEN, "50"]);
    // D: ETH at 25,500 / 8.25 = 3,090.91, then 26,500 / 8.25 = 3,212.12 (both above 3,000: liquidatable now);
    // at HF 24,750 / 25,500 = 0.9706 half the debt: 12,750 · 1.05 / 3,000 = 4.4625 ETH; at HF 24,750 / 26,500
    // = 0.934 ≤ 0.95 all of it: 27,825 / 3,000 = 9.275 ETH, and the whole 26,500 DAI
    expect(leg(3, "ETH", d1)).toEqual(["10", "3090.90909091", OPEN, "4.4625"]);
    expect(leg(3, "ETH", d2)).toEqual(["10", "3212.12121212", OPEN, "9.275"]);
    expect(leg(3, "DAI:debt", d2)).toEqual(["26500", "0.933962264151", OPEN, "26500"]);
    // … liquidated: 13,250 DAI repaid, 13,250 · 1.05 / 3,000 = 4.6375 ETH seized: 5.3625 ETH, 13,250 DAI left,
    // ETH at 13,250 / (5.3625 · 0.825) = 2,994.98 (6,625 · 1.05 / 2,994.98 = 2.3226 seized), DAI at
    // 13,272.1875 / 13,250 = 1.00167 (6,625 repaid)
    expect(leg(3, "ETH", dLiquidated)).toEqual(["5.3625", "2994.98481317", OPEN, "2.3226328125"]);
    expect(leg(3, "DAI:debt", dLiquidated)).toEqual(["13250", "1.0016745283", OPEN, "6625"]);
    // E: with USDC's flag off, ETH at 20,000 / 8.25 = 2,424.24 and USDC without a price
    expect(leg(4, "ETH", eBorrow)).toEqual(["10", "1478.78787879", OPEN, "7.10040983607"]);
    expect(leg(4, "ETH", eOff)).toEqual(["10", "2424.24242424", OPEN, "4.33125"]);
    expect(leg(4, "USDC", eOff)).toEqual(["10000", "", OPEN, ""]);
    // F: 10 → 15 ETH moves its liquidation from 2,424.24 (10,500 / 2,424.24 = 4.33125 seized) to
    // 20,000 / 12.375 = 1,616.16 (10,500 / 1,616.16 = 6.496875); the sender leaves
    expect(leg(5, "ETH", fBorrow)).toEqual(["10", "2424.24242424", OPEN, "4.33125"]);
    expect(leg(5, "ETH", fReceived)).toEqual(["15", "1616.16161616", OPEN, "6.496875"]);
    expect(leg(6, "ETH", fReceived)).toEqual(["0", "", PositionStatus.POSITION_STATUS_CLOSED, ""]);
    // the contract's own health factor (Aave's computation) agrees: A after the repay, 32,550 / 15,000 = 2.17,
    // but for Aave's average threshold in whole basis points: 32,550 / 40,000 = 81.375% → 81.37%,
    // 40,000 · 0.8137 / 15,000 = 2.169867
    expect((await aave.accountData(0)).healthFactor).toBe(2_169_866_666_666_666_666n);
  });

  it("behavior: while the L2 sequencer is down, and within the grace period after, prices are withheld and the chain is in trouble", async () => {
    const start = await lab.node.blockNumber();
    await send(sequencerFeed, "MockAggregator", "updateAnswer", [1n]); // down
    const withheld = await lab.setPrice("ETH", 2900);
    await send(sequencerFeed, "MockAggregator", "updateAnswer", [0n]); // back up: grace starts
    await lab.setPrice("ETH", 2890);
    await lab.node.rpc("evm_increaseTime", [120]);
    const trusted = await lab.setPrice("ETH", 2880);

    const sink = new MemorySink();
    const stop = follow(sink, start + 1, [
      { kind: "chainlink", address: lab.feeds["ETH"], asset: "ETH", pair: "ETH/USD", heartbeatSeconds: 3600 },
      { kind: "sequencer-uptime", address: sequencerFeed, gracePeriodSeconds: 60 },
    ]);
    await eventually(() => (sink.processedBlock >= trusted.blockNumber ? true : undefined));
    await stop();
    expect(withheld.blockNumber).toBeLessThan(trusted.blockNumber);
    const prices = sink.events.map((e) => (e.value as { price: string }).price);
    expect(prices).toEqual(["2880"]);
  });

  it("behavior: the grace period runs from the status round's startedAt: a recovery the L2 learns late is not graced again", async () => {
    const start = await lab.node.blockNumber();
    const down = await send(sequencerFeed, "MockAggregator", "updateAnswer", [1n]);
    const downAt = Number.parseInt(
      (await lab.node.rpc<{ timestamp: string }>("eth_getBlockByNumber", [`0x${down.toString(16)}`, false]))
        .timestamp,
      16,
    );
    // the sequencer was back 10 s later (startedAt, on L1), but the L2 hears of it 300 s after that
    await lab.node.rpc("evm_increaseTime", [300]);
    await send(sequencerFeed, "MockAggregator", "updateAnswerStartedAt", [0n, BigInt(downAt + 10)]);
    const trusted = await lab.setPrice("ETH", 2875); // within 60 s of the block, 290 s after startedAt
    const sink = new MemorySink();
    const stop = follow(sink, start + 1, [
      { kind: "chainlink", address: lab.feeds["ETH"], asset: "ETH", pair: "ETH/USD", heartbeatSeconds: 3600 },
      { kind: "sequencer-uptime", address: sequencerFeed, gracePeriodSeconds: 60 },
    ]);
    await eventually(() => (sink.processedBlock >= trusted.blockNumber ? true : undefined));
    await stop();
    expect(sink.events.map((e) => (e.value as { price: string }).price)).toEqual(["2875"]);
  });

  it("behavior: a Chainlink feed older than its heartbeat puts the chain in trouble", async () => {
    await lab.setPrice("ETH", 2870);
    await lab.node.rpc("evm_increaseTime", [7200]);
    await lab.node.mine(1);
    const sink = new MemorySink();
    const stop = follow(
      sink,
      await lab.node.blockNumber(),
      [
        {
          kind: "chainlink",
          address: lab.feeds["ETH"],
          asset: "ETH",
          pair: "ETH/USD",
          heartbeatSeconds: 3600,
        },
      ],
      { feedCheckMs: 50 },
    );
    await eventually(() =>
      sink.troubles.some((t) => t?.includes("chainlink:ETH/USD is stale")) ? true : undefined,
    );
    await stop();
  });

  it("default: an options venue added by mapping alone: its positions carry their contracts and pass validation", async () => {
    const start = await lab.node.blockNumber();
    const series = stringToHex("ETH-20261231-3000-C", { size: 32 });
    const expiry = 1_798_675_200n;
    await send(optionsVault, "MockOptionsVault", "setPosition", [
      series,
      true,
      false,
      3_000n * 10n ** 8n,
      expiry,
      2n * 10n ** 18n,
      6_500n,
    ]);
    const last = await send(optionsVault, "MockOptionsVault", "setPosition", [
      series,
      true,
      true,
      3_000n * 10n ** 8n,
      expiry,
      10n ** 18n,
      6_200n,
    ]);
    const sink = new MemorySink();
    const stop = follow(sink, start + 1, [
      {
        kind: "mapped",
        venueId: "opt-lab",
        address: optionsVault,
        abi: loadArtifact("MockOptionsVault").abi.filter((x: { type: string }) => x.type === "event"),
        events: OPTIONS_VAULT_EVENTS,
      },
    ]);
    await eventually(() => (sink.processedBlock >= last ? true : undefined));
    await stop();
    const updates = sink.events.map((e) => e.value as PositionUpdate);
    expect(
      updates.map((u) => [
        u.market,
        u.side,
        u.size,
        u.option?.kind,
        u.option?.strike,
        u.option?.expiryMs,
        u.option?.impliedVolatility,
      ]),
    ).toEqual([
      [
        "ETH-20261231-3000-C",
        PositionSide.POSITION_SIDE_LONG,
        "2",
        OptionKind.OPTION_KIND_CALL,
        "3000",
        1_798_675_200_000,
        "0.65",
      ],
      [
        "ETH-20261231-3000-C",
        PositionSide.POSITION_SIDE_SHORT,
        "1",
        OptionKind.OPTION_KIND_CALL,
        "3000",
        1_798_675_200_000,
        "0.62",
      ],
    ]);
    for (const u of updates) expect(() => validatePositionUpdate(u)).not.toThrow();
  });

  it("behavior: an answer at the aggregator's minAnswer is not published, and the feed is a trouble while it stays there", async () => {
    const start = await lab.node.blockNumber();
    // USDC's aggregator refuses answers under $0.90 (an OCR aggregator's minAnswer)
    await send(lab.feeds["USDC"]!, "MockAggregator", "setBounds", [90_000_000n, 10n ** 12n]);
    await lab.setPrice("USDC", 0.95);
    const atFloor = await lab.setPrice("USDC", 0.9);
    const sink = new MemorySink();
    const stop = follow(
      sink,
      start + 1,
      [
        {
          kind: "chainlink",
          address: lab.feeds["USDC"],
          asset: "USDC",
          pair: "USDC/USD",
          heartbeatSeconds: 86400,
        },
      ],
      { feedCheckMs: 50 },
    );
    await eventually(() =>
      sink.processedBlock >= atFloor.blockNumber && sink.troubles.some((t) => t?.includes("minAnswer"))
        ? true
        : undefined,
    );
    await stop();
    expect(sink.events.map((e) => (e.value as { price: string }).price)).toEqual(["0.95"]);
    expect(sink.troubles.find((t) => t?.includes("minAnswer"))).toMatch(
      /^chainlink:USDC\/USD: answer 90000000 at the aggregator's minAnswer 90000000/,
    );
  });
});
