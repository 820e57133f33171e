import { validatePositionUpdate } from "@breakwater/core";
import { OptionKind, PositionSide, PositionStatus, type PositionUpdate } from "@breakwater/proto";
import { createLogger } from "@breakwater/telemetry";
import {
  type EvmLab,
  eventually,
  loadArtifact,
  OPTIONS_VAULT_EVENTS,
  startEvmLab,
} from "@breakwater/testkit";
import { createWalletClient, type Hex, http, parseUnits, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evmChainSchema } from "../evm-config.js";
import { EvmDriver } from "../evm-driver.js";
import { MemorySink } from "../evm-test-helpers.js";

describe("adapters against contracts on a Hardhat chain (driver in-process)", () => {
  let lab: EvmLab;
  let pool: Hex;
  let sequencerFeed: Hex;
  let optionsVault: Hex;
  const WETH = "0x00000000000000000000000000000000000000e7" as const;
  const USDC = "0x0000000000000000000000000000000000000dc0" as const;
  let send: (
    to: Hex,
    abiName: "MockAavePool" | "MockAggregator" | "MockOptionsVault",
    fn: string,
    args: unknown[],
  ) => Promise<number>;
  let reserves: Record<string, unknown>;

  beforeAll(async () => {
    lab = await startEvmLab({ chain: "evm-adapters" });
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
    const deploy = async (name: "MockAavePool" | "MockAggregator" | "MockOptionsVault", args: unknown[]) => {
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
    pool = await deploy("MockAavePool", []);
    sequencerFeed = await deploy("MockAggregator", [0, "L2 Sequencer Uptime Status Feed", 0n]);
    optionsVault = await deploy("MockOptionsVault", []);
    await send(pool, "MockAavePool", "initReserve", [WETH]);
    await send(pool, "MockAavePool", "initReserve", [USDC]);
    const read = async (fn: string, asset: Hex) =>
      `0x${(
        await lab.node.rpc<string>("eth_call", [
          {
            to: pool,
            data: (await import("viem")).encodeFunctionData({
              abi: loadArtifact("MockAavePool").abi,
              functionName: fn,
              args: [asset],
            }),
          },
          "latest",
        ])
      ).slice(-40)}`;
    reserves = {
      [WETH]: {
        symbol: "ETH",
        decimals: 18,
        aToken: await read("aTokenOf", WETH),
        debtToken: await read("debtTokenOf", WETH),
      },
      [USDC]: {
        symbol: "USDC",
        decimals: 6,
        aToken: await read("aTokenOf", USDC),
        debtToken: await read("debtTokenOf", USDC),
      },
    };
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

  it("default: Aave v3 Pool events become supply and debt positions with balances and health as of their block", async () => {
    const user = lab.traders[0]!;
    const start = await lab.node.blockNumber();
    await send(pool, "MockAavePool", "setUserAccountData", [
      user,
      {
        totalCollateralBase: parseUnits("30000", 8),
        totalDebtBase: parseUnits("16500", 8),
        availableBorrowsBase: 0n,
        currentLiquidationThreshold: 8250n,
        ltv: 8000n,
        healthFactor: parseUnits("1.5", 18),
      },
    ]);
    await send(pool, "MockAavePool", "supply", [WETH, parseUnits("10", 18), user, 0]);
    await send(pool, "MockAavePool", "borrow", [USDC, parseUnits("16500", 6), 2n, 0, user]);
    await send(pool, "MockAavePool", "repay", [USDC, parseUnits("500", 6), 2n, user]);
    const last = await send(pool, "MockAavePool", "liquidationCall", [
      WETH,
      USDC,
      user,
      parseUnits("16000", 6),
      false,
    ]);

    const sink = new MemorySink();
    const stop = follow(sink, start + 1, [{ kind: "aave-v3", venueId: "aave-lab", address: pool, reserves }]);
    await eventually(() => (sink.processedBlock >= last ? true : undefined));
    await stop();
    const positions = sink.events.map(
      (e) =>
        e.value as { side: number; size: string; status: number; liquidationPrice: string; asset: string },
    );
    expect(positions.map((p) => [p.asset, p.side, p.status, p.size])).toEqual([
      ["ETH", PositionSide.POSITION_SIDE_SUPPLY, PositionStatus.POSITION_STATUS_OPEN, "10"],
      ["USDC", PositionSide.POSITION_SIDE_BORROW, PositionStatus.POSITION_STATUS_OPEN, "16500"],
      ["USDC", PositionSide.POSITION_SIDE_BORROW, PositionStatus.POSITION_STATUS_OPEN, "16000"],
      ["ETH", PositionSide.POSITION_SIDE_SUPPLY, PositionStatus.POSITION_STATUS_LIQUIDATED, "0"],
      ["USDC", PositionSide.POSITION_SIDE_BORROW, PositionStatus.POSITION_STATUS_LIQUIDATED, "0"],
    ]);
    expect(positions[0]!.liquidationPrice).toBe("2000");
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
});
