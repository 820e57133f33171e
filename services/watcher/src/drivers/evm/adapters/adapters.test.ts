import { validatePositionUpdate } from "@breakwater/core";
import { OptionKind, PositionSide, PositionStatus, type PositionUpdate } from "@breakwater/proto";
import { loadArtifact, OPTIONS_VAULT_EVENTS } from "@breakwater/testkit";
import {
  type AbiEvent,
  decodeFunctionData,
  encodeAbiParameters,
  encodeEventTopics,
  encodeFunctionResult,
  parseAbiParameters,
  stringToHex,
  toEventSelector,
} from "viem";
import { describe, expect, it } from "vitest";
import type { ChainLog } from "../rpc-schemas.js";
import { AaveV3Adapter, reserveParameters } from "./aave-v3.js";
import {
  aaveV3OracleAbi,
  aaveV3PoolAbi,
  aaveV3PoolReadsAbi,
  aTokenEventsAbi,
  balanceOfAbi,
} from "./aave-v3-abi.js";
import type { ContractReader, LogContext } from "./adapter.js";
import { LogDecodeError } from "./adapter.js";
import { aggregatorBoundsAbi, aggregatorEventsAbi, aggregatorV3Abi } from "./chainlink-abi.js";
import { ChainlinkFeedAdapter } from "./chainlink-feed.js";
import { MappedAdapter, mappingProblems } from "./mapped.js";
import { PerpVenueAdapter, perpVenueEventsAbi } from "./perp-venue.js";
import { SequencerGate, SequencerUptimeAdapter } from "./sequencer-uptime.js";

const VENUE = "0x5fbdb2315678afecb367f032d93f642f64180aa3" as const;
const TRADER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" as const;
const BLOCK_HASH = `0x${"ab".repeat(32)}` as const;
const noReads: ContractReader = {
  call: () => Promise.reject(new Error("no reads expected")),
};
const ctx = (reader: ContractReader = noReads): LogContext => ({
  chainId: "evm-test",
  blockTimeMs: 1_700_000_000_000,
  observedAtMs: 1_700_000_000_500,
  reader,
});

function logOf(
  address: `0x${string}`,
  topics: readonly unknown[],
  data: `0x${string}`,
  logIndex = 3,
): ChainLog {
  return {
    address,
    topics: topics.filter((t): t is `0x${string}` => typeof t === "string"),
    data,
    blockNumber: 42,
    blockHash: BLOCK_HASH,
    logIndex,
    transactionHash: `0x${"cd".repeat(32)}`,
  };
}

const e18 = (x: string) => BigInt(Math.round(Number(x) * 1e6)) * 10n ** 12n;

function perpLog(
  name: "PositionOpened" | "PositionDecreased" | "PositionLiquidated",
  values: bigint[],
): ChainLog {
  const topics = encodeEventTopics({
    abi: perpVenueEventsAbi,
    eventName: name,
    args: { trader: TRADER, market: stringToHex("ETH-PERP", { size: 32 }) },
  } as never);
  const types =
    name === "PositionLiquidated"
      ? "bool, uint256, uint256, uint256, address, uint256"
      : "bool, uint256, uint256, uint256, uint256";
  const data = encodeAbiParameters(
    parseAbiParameters(types),
    (name === "PositionLiquidated"
      ? [true, values[0], values[1], values[2], TRADER, values[3]]
      : [true, ...values]) as never,
  );
  return logOf(VENUE, topics, data);
}

describe("PerpVenueAdapter", () => {
  const adapter = new PerpVenueAdapter({ venueId: "perp-evm", address: VENUE });

  it("default: an open is the position's full state with coordinates and a chain-derived id", async () => {
    const [e] = await adapter.decode(
      perpLog("PositionOpened", [e18("2.5"), e18("1000"), e18("3000"), e18("2612")]),
      ctx(),
    );
    expect(e).toEqual({
      kind: "position",
      value: {
        eventId: `evm-test:${BLOCK_HASH}:3`,
        chainId: "evm-test",
        venueId: "perp-evm",
        account: TRADER,
        market: "ETH-PERP",
        asset: "ETH",
        side: PositionSide.POSITION_SIDE_LONG,
        status: PositionStatus.POSITION_STATUS_OPEN,
        size: "2.5",
        entryPrice: "3000",
        collateralAsset: "USDC",
        collateralAmount: "1000",
        liquidationPrice: "2612",
        coordinates: { blockNumber: 42, blockHash: BLOCK_HASH, logIndex: 3, txHash: `0x${"cd".repeat(32)}` },
        chainTimeMs: 1_700_000_000_000,
        observedAtMs: 1_700_000_000_500,
      },
    });
  });

  it("behavior: a decrease to zero closes; a liquidation is size 0 and LIQUIDATED", async () => {
    const [closed] = await adapter.decode(perpLog("PositionDecreased", [0n, 0n, 0n, 0n]), ctx());
    expect(closed!.value).toMatchObject({ status: PositionStatus.POSITION_STATUS_CLOSED, size: "0" });
    const [liq] = await adapter.decode(
      perpLog("PositionLiquidated", [e18("2"), e18("100"), e18("3000"), e18("2900")]),
      ctx(),
    );
    expect(liq!.value).toMatchObject({ status: PositionStatus.POSITION_STATUS_LIQUIDATED, size: "0" });
  });

  it("behavior: other events are ignored; a known event with truncated data is a decode error", async () => {
    const listed = logOf(VENUE, [toEventSelector("MarketListed(bytes32,address)")], "0x");
    expect(await adapter.decode(listed, ctx())).toEqual([]);
    const good = perpLog("PositionOpened", [1n, 1n, 1n, 1n]);
    await expect(
      adapter.decode({ ...good, data: good.data.slice(0, 66) as `0x${string}` }, ctx()),
    ).rejects.toThrow(LogDecodeError);
  });

  it("default: the hand-written event ABI is the compiled contract's", () => {
    const artifact = loadArtifact("PerpVenue") as unknown as { abi: AbiEvent[] };
    const compiled = artifact.abi.filter((x) => x.type === "event").map((e) => toEventSelector(e));
    for (const e of perpVenueEventsAbi) expect(compiled).toContain(toEventSelector(e));
  });
});

describe("ChainlinkFeedAdapter", () => {
  const FEED = "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0" as const;
  const answerLog = (answer: bigint) =>
    logOf(
      FEED,
      encodeEventTopics({
        abi: aggregatorEventsAbi,
        eventName: "AnswerUpdated",
        args: { current: answer, roundId: 7n },
      }),
      encodeAbiParameters(parseAbiParameters("uint256"), [1_700_000_000n]),
    );

  /** A feed answering decimals 8, bounds [$1, $1,000,000] and a latest round of `latest` updated at t = 1,000 s. */
  const feedReader = (latest = 300_000_000_000n) => {
    const abi = [...aggregatorV3Abi, ...aggregatorBoundsAbi];
    const reads: string[] = [];
    const reader: ContractReader = {
      async call(_to, data) {
        const { functionName } = decodeFunctionData({ abi, data });
        reads.push(functionName);
        const result = {
          decimals: 8,
          minAnswer: 100_000_000n,
          maxAnswer: 100_000_000_000_000n,
          latestRoundData: [9n, latest, 1_000n, 1_000n, 9n],
        }[functionName as string];
        return encodeFunctionResult({ abi, functionName, result } as never);
      },
    };
    return { reader, reads };
  };

  it("default: AnswerUpdated is a price tick scaled by the feed's decimals (decimals and bounds read once)", async () => {
    const { reader, reads } = feedReader();
    const adapter = new ChainlinkFeedAdapter({
      address: FEED,
      asset: "ETH",
      pair: "ETH/USD",
      heartbeatSeconds: 3600,
    });
    const [tick] = await adapter.decode(answerLog(276_512_345_678n), ctx(reader));
    await adapter.decode(answerLog(276_000_000_000n), ctx(reader));
    expect(reads.sort()).toEqual(["decimals", "maxAnswer", "minAnswer"]);
    expect(tick).toEqual({
      kind: "price",
      value: expect.objectContaining({ source: "chainlink:ETH/USD", asset: "ETH", price: "2765.12345678" }),
    });
  });

  it("behavior: a non-positive answer is rejected; staleness comes from the feed's heartbeat", async () => {
    const adapter = new ChainlinkFeedAdapter({
      address: FEED,
      asset: "ETH",
      pair: "ETH/USD",
      decimals: 8,
      heartbeatSeconds: 3600,
    });
    await expect(adapter.decode(answerLog(0n), ctx())).rejects.toThrow(/non-positive answer/);
    const { reader } = feedReader();
    expect(await adapter.freshness(reader, 1, 1_000_000 + 3_599_000)).toMatchObject({
      stale: false,
      suspect: undefined,
    });
    expect(await adapter.freshness(reader, 1, 1_000_000 + 3_601_000)).toMatchObject({
      stale: true,
      ageSeconds: 3601,
    });
  });
});

describe("ChainlinkFeedAdapter answer bounds", () => {
  const FEED = "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0" as const;
  const answerLog = (answer: bigint) =>
    logOf(
      FEED,
      encodeEventTopics({
        abi: aggregatorEventsAbi,
        eventName: "AnswerUpdated",
        args: { current: answer, roundId: 7n },
      }),
      encodeAbiParameters(parseAbiParameters("uint256"), [1_700_000_000n]),
    );
  const abi = [...aggregatorV3Abi, ...aggregatorBoundsAbi];
  const reader = (latest: bigint): ContractReader => ({
    async call(_to, data) {
      const { functionName } = decodeFunctionData({ abi, data });
      const result = {
        decimals: 8,
        minAnswer: 10_000_000n, // $0.10
        maxAnswer: 100_000_000_000_000n, // $1,000,000
        latestRoundData: [9n, latest, 1_000n, 1_000n, 9n],
      }[functionName as string];
      return encodeFunctionResult({ abi, functionName, result } as never);
    },
  });
  const adapter = () =>
    new ChainlinkFeedAdapter({ address: FEED, asset: "LUNA", pair: "LUNA/USD", heartbeatSeconds: 3600 });

  it("behavior: an answer at the aggregator's minAnswer or maxAnswer is refused with its own reason, and makes the feed suspect", async () => {
    const a = adapter();
    // $0.10 is the floor: the market may be far below it
    const floor = a.decode(answerLog(10_000_000n), ctx(reader(10_000_000n)));
    await expect(floor).rejects.toBeInstanceOf(LogDecodeError);
    await expect(floor).rejects.toMatchObject({
      kind: "answer_at_bound",
      reason: expect.stringMatching(/minAnswer/),
    });
    await expect(a.decode(answerLog(100_000_000_000_000n), ctx(reader(1n)))).rejects.toMatchObject({
      kind: "answer_at_bound",
      reason: expect.stringMatching(/maxAnswer/),
    });
    // just inside: a tick
    const [tick] = await a.decode(answerLog(10_000_001n), ctx(reader(1n)));
    expect((tick!.value as { price: string }).price).toBe("0.10000001");
    // the feed check: fresh, but its latest answer sits on the floor
    expect(await a.freshness(reader(10_000_000n), 1, 1_000_000)).toMatchObject({
      stale: false,
      suspect: expect.stringMatching(/^chainlink:LUNA\/USD: answer 10000000 at the aggregator's minAnswer/),
    });
    // a malformed log is still "undecodable"
    expect(new LogDecodeError("x", "y", { blockNumber: 1, logIndex: 0, transactionHash: "0x" }).kind).toBe(
      "undecodable",
    );
  });

  it("behavior: readBounds false reads no bounds (an aggregator without them)", async () => {
    const a = new ChainlinkFeedAdapter({
      address: FEED,
      asset: "LUNA",
      pair: "LUNA/USD",
      decimals: 8,
      heartbeatSeconds: 3600,
      readBounds: false,
    });
    const [tick] = await a.decode(answerLog(10_000_000n), ctx());
    expect((tick!.value as { price: string }).price).toBe("0.1");
  });
});

describe("SequencerGate", () => {
  it("behavior: prices are untrustworthy while the sequencer is down and within the grace period after", () => {
    const gate = new SequencerGate(3_600_000);
    gate.set(true, 0);
    expect(gate.distrust(4_000_000)).toBeUndefined();
    gate.set(false, 5_000_000);
    expect(gate.distrust(5_000_001)).toBe("sequencer down");
    gate.set(true, 6_000_000);
    expect(gate.distrust(6_000_000 + 60_000)).toMatch(/within the 3600s grace period/);
    expect(gate.distrust(6_000_000 + 3_600_000)).toBeUndefined();
  });

  it("behavior: the uptime feed's AnswerUpdated logs drive the gate from each change's startedAt; a repeated status keeps it", async () => {
    const FEED = "0x0000000000000000000000000000000000000abc" as const;
    const adapter = new SequencerUptimeAdapter({ address: FEED, gracePeriodSeconds: 60 });
    // the feed's rounds: 1 down, started at 1,000 s; 2 back up, started at 1,990 s (the L2 learns it at 2,000 s)
    const rounds: Record<string, [bigint, bigint]> = {
      "1": [1n, 1_000n],
      "2": [0n, 1_990n],
      "3": [0n, 1_990n],
    };
    const reads: bigint[] = [];
    const reader: ContractReader = {
      async call(_to, data) {
        const { args } = decodeFunctionData({ abi: aggregatorV3Abi, data });
        const id = args![0] as bigint;
        reads.push(id);
        const [answer, startedAt] = rounds[String(id)]!;
        return encodeFunctionResult({
          abi: aggregatorV3Abi,
          functionName: "getRoundData",
          result: [id, answer, startedAt, 2_000n, id],
        });
      },
    };
    const status = (answer: bigint, roundId: bigint) =>
      logOf(
        FEED,
        encodeEventTopics({
          abi: aggregatorEventsAbi,
          eventName: "AnswerUpdated",
          args: { current: answer, roundId },
        }),
        encodeAbiParameters(parseAbiParameters("uint256"), [0n]),
      );
    expect(await adapter.decode(status(1n, 1n), { ...ctx(reader), blockTimeMs: 1_000_000 })).toEqual([]);
    expect(adapter.gate.distrust(1_000_001)).toBe("sequencer down");
    await adapter.decode(status(0n, 2n), { ...ctx(reader), blockTimeMs: 2_000_000 });
    await adapter.decode(status(0n, 3n), { ...ctx(reader), blockTimeMs: 2_050_000 }); // no change: not read
    expect(reads).toEqual([1n, 2n]);
    // 60 s from the round's startedAt (1,990 s), not from the block that brought it (2,000 s)
    expect(adapter.gate.distrust(2_049_000)).toMatch(/grace/);
    expect(adapter.gate.distrust(2_050_000)).toBeUndefined();
  });
});

describe("AaveV3Adapter", () => {
  const POOL = "0x0000000000000000000000000000000000000a11" as const;
  const ORACLE = "0x0000000000000000000000000000000000000a12" as const;
  const WETH = "0x00000000000000000000000000000000000000e7" as const;
  const USDC = "0x0000000000000000000000000000000000000dc0" as const;
  const DAI = "0x0000000000000000000000000000000000000da1" as const;
  const OTHER_RESERVE = "0x0000000000000000000000000000000000000077" as const;
  const LIQUIDATOR = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc" as const;
  const tokens = {
    [WETH]: {
      symbol: "ETH",
      decimals: 18,
      aToken: "0x00000000000000000000000000000000000000a1",
      debtToken: "0x00000000000000000000000000000000000000d1",
    },
    [USDC]: {
      symbol: "USDC",
      decimals: 6,
      aToken: "0x00000000000000000000000000000000000000a2",
      debtToken: "0x00000000000000000000000000000000000000d2",
    },
    [DAI]: {
      symbol: "DAI",
      decimals: 18,
      aToken: "0x00000000000000000000000000000000000000a3",
      debtToken: "0x00000000000000000000000000000000000000d3",
    },
  } as const;
  /** ReserveConfigurationMap as ReserveConfiguration packs it. */
  const configOf = (thresholdBps: number, bonusBps: number, decimals: number, eMode = 0) =>
    (BigInt(thresholdBps) << 16n) |
    (BigInt(bonusBps) << 32n) |
    (BigInt(decimals) << 48n) |
    (1n << 56n) |
    (BigInt(eMode) << 168n);
  /** A chain as the fake reader answers it: the reserves list is [WETH, USDC, DAI, OTHER_RESERVE]. */
  const chain = {
    balances: new Map<string, bigint>(),
    userConfig: new Map<string, bigint>(),
    prices: { [WETH]: 3000n * 10n ** 8n, [USDC]: 10n ** 8n, [DAI]: 10n ** 8n } as Record<string, bigint>,
    configuration: {
      [WETH]: configOf(8250, 10500, 18),
      [USDC]: configOf(7800, 10450, 6),
      [DAI]: configOf(7700, 10400, 18),
    } as Record<string, bigint>,
  };
  const setBalance = (token: string, user: string, amount: bigint) =>
    chain.balances.set(`${token}:${user}`, amount);
  const reads = [...aaveV3PoolReadsAbi, ...aaveV3OracleAbi, ...balanceOfAbi];
  const reader: ContractReader = {
    async call(to, data) {
      const { functionName, args } = decodeFunctionData({ abi: reads, data });
      const result = (() => {
        switch (functionName) {
          case "getUserConfiguration":
            return { data: chain.userConfig.get((args[0] as string).toLowerCase()) ?? 0n };
          case "getConfiguration":
            return { data: chain.configuration[(args[0] as string).toLowerCase()] ?? 0n };
          case "getReservesList":
            return [WETH, USDC, DAI, OTHER_RESERVE];
          case "getUserEMode":
            return 0n;
          case "ADDRESSES_PROVIDER":
            return POOL;
          case "getPriceOracle":
            return ORACLE;
          case "getAssetsPrices":
            return (args[0] as string[]).map((a) => chain.prices[a.toLowerCase()] ?? 0n);
          case "balanceOf":
            return chain.balances.get(`${to}:${(args[0] as string).toLowerCase()}`) ?? 0n;
          default:
            throw new Error(`unexpected read ${functionName}`);
        }
      })();
      return encodeFunctionResult({ abi: reads, functionName, result } as never);
    },
  };
  // the account: 10 WETH (82.5%) and 10,000 USDC (78%) as collateral, 20,000 DAI owed
  const collateralBits = (1n << 1n) | (1n << 3n); // ids 0 and 1 used as collateral
  const borrowBits = 1n << 4n; // id 2 borrowed
  setBalance(tokens[WETH].aToken, TRADER, 10n * 10n ** 18n);
  setBalance(tokens[USDC].aToken, TRADER, 10_000n * 10n ** 6n);
  setBalance(tokens[DAI].debtToken, TRADER, 20_000n * 10n ** 18n);
  chain.userConfig.set(TRADER, collateralBits | borrowBits);

  const adapter = () => new AaveV3Adapter({ venueId: "aave-v3", address: POOL, reserves: tokens });
  let logIndex = 0;
  const eventLog = (eventName: string, args: Record<string, unknown>, types: string, values: unknown[]) =>
    logOf(
      POOL,
      encodeEventTopics({ abi: aaveV3PoolAbi, eventName, args } as never),
      types === "" ? "0x" : encodeAbiParameters(parseAbiParameters(types), values as never),
      logIndex++,
    );
  const view = (events: { value: unknown }[]) =>
    events.map((e) => {
      const u = e.value as PositionUpdate;
      return [u.market, u.status, u.size, u.liquidationPrice, u.liquidatableSize];
    });
  const OPEN = PositionStatus.POSITION_STATUS_OPEN;
  const borrowLog = () =>
    eventLog(
      "Borrow",
      { reserve: DAI, onBehalfOf: TRADER, referralCode: 0 },
      "address, uint256, uint8, uint256",
      [TRADER, 20_000n * 10n ** 18n, 2, 10n ** 25n],
    );

  it("default: a Borrow re-solves the whole account: each collateral's liquidation price holds the other's value", async () => {
    const events = await adapter().decode(borrowLog(), ctx(reader));
    // WETH: (20,000 − 10,000·0.78) / (10·0.825) = 12,200 / 8.25 = 1,478.79, where a liquidation seizes
    // 50% of 20,000 · 1.05 / 1,478.79 = 7.1004 WETH; USDC: none (WETH covers the debt);
    // the DAI debt: 32,550 / 20,000 = 1.6275, where 50% of it, 10,000 DAI, is repaid
    expect(view(events)).toEqual([
      ["ETH", OPEN, "10", "1478.78787879", "7.10040983607"],
      ["USDC", OPEN, "10000", "", ""],
      ["DAI:debt", OPEN, "20000", "1.6275", "10000"],
    ]);
    const ids = events.map((e) => (e.value as PositionUpdate).eventId);
    expect(new Set(ids).size).toBe(3);
    expect(ids[2]).toBe(`evm-test:${BLOCK_HASH}:${logIndex - 1}:DAI:debt`);
    for (const e of events) expect(() => validatePositionUpdate(e.value as PositionUpdate)).not.toThrow();
  });

  it("behavior: a Repay refreshes the collateral's liquidation price; a leg the event names is published at zero", async () => {
    setBalance(tokens[DAI].debtToken, TRADER, 0n);
    chain.userConfig.set(TRADER, collateralBits);
    try {
      const repay = eventLog("Repay", { reserve: DAI, user: TRADER, repayer: TRADER }, "uint256, bool", [
        20_000n * 10n ** 18n,
        false,
      ]);
      expect(view(await adapter().decode(repay, ctx(reader)))).toEqual([
        ["ETH", OPEN, "10", "", ""],
        ["USDC", OPEN, "10000", "", ""],
        ["DAI:debt", PositionStatus.POSITION_STATUS_CLOSED, "0", "", ""],
      ]);
    } finally {
      setBalance(tokens[DAI].debtToken, TRADER, 20_000n * 10n ** 18n);
      chain.userConfig.set(TRADER, collateralBits | borrowBits);
    }
  });

  it("behavior: collateral toggled off (ReserveUsedAsCollateralDisabled): USDC leaves the health factor", async () => {
    chain.userConfig.set(TRADER, (1n << 1n) | borrowBits);
    try {
      const disabled = eventLog("ReserveUsedAsCollateralDisabled", { reserve: USDC, user: TRADER }, "", []);
      // WETH: 20,000 / 8.25 = 2,424.24, seized there 10,500 / 2,424.24 = 4.33125; DAI: 24,750 / 20,000 = 1.2375
      expect(view(await adapter().decode(disabled, ctx(reader)))).toEqual([
        ["ETH", OPEN, "10", "2424.24242424", "4.33125"],
        ["USDC", OPEN, "10000", "", ""],
        ["DAI:debt", OPEN, "20000", "1.2375", "10000"],
      ]);
    } finally {
      chain.userConfig.set(TRADER, collateralBits | borrowBits);
    }
  });

  it("behavior: a LiquidationCall publishes the legs it names as liquidated at zero", async () => {
    const user = "0x90f79bf6eb2c4f870365e785982e1f101e93b906" as const;
    setBalance(tokens[USDC].debtToken, user, 0n);
    const liquidation = eventLog(
      "LiquidationCall",
      { collateralAsset: WETH, debtAsset: USDC, user },
      "uint256, uint256, address, bool",
      [1n, 1n, LIQUIDATOR, false],
    );
    expect(view(await adapter().decode(liquidation, ctx(reader)))).toEqual([
      ["ETH", PositionStatus.POSITION_STATUS_LIQUIDATED, "0", "", ""],
      ["USDC:debt", PositionStatus.POSITION_STATUS_LIQUIDATED, "0", "", ""],
    ]);
  });

  it("behavior: an aToken BalanceTransfer re-solves sender and receiver, with ids apart", async () => {
    const receiver = "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65" as const;
    setBalance(tokens[WETH].aToken, receiver, 5n * 10n ** 18n);
    const transfer = logOf(
      tokens[WETH].aToken,
      encodeEventTopics({
        abi: aTokenEventsAbi,
        eventName: "BalanceTransfer",
        args: { from: TRADER, to: receiver },
      }),
      encodeAbiParameters(parseAbiParameters("uint256, uint256"), [5n * 10n ** 18n, 10n ** 27n]),
      7,
    );
    const events = await adapter().decode(transfer, ctx(reader));
    expect(
      events.map((e) => [(e.value as PositionUpdate).account, (e.value as PositionUpdate).market]),
    ).toEqual([
      [TRADER, "ETH"],
      [TRADER, "USDC"],
      [TRADER, "DAI:debt"],
      [receiver, "ETH"],
    ]);
    expect((events[0]!.value as PositionUpdate).eventId).toBe(`evm-test:${BLOCK_HASH}:7:from:ETH`);
    expect((events[3]!.value as PositionUpdate).eventId).toBe(`evm-test:${BLOCK_HASH}:7:to:ETH`);
  });

  it("behavior: an account using a reserve the configuration does not list is published without liquidation prices", async () => {
    chain.userConfig.set(TRADER, collateralBits | borrowBits | (1n << 7n)); // id 3 as collateral
    try {
      expect(view(await adapter().decode(borrowLog(), ctx(reader))).map((v) => v[3])).toEqual(["", "", ""]);
    } finally {
      chain.userConfig.set(TRADER, collateralBits | borrowBits);
    }
  });

  it("behavior: an account already below HF 1 carries its current prices (liquidatable now)", async () => {
    chain.prices[WETH] = 1400n * 10n ** 8n;
    try {
      // HF = (10·1400·0.825 + 7,800) / 20,000 = 19,350 / 20,000 = 0.9675: every leg is liquidatable now.
      // WETH: 1,478.79 (above 1,400: crossed); USDC: (20,000 − 11,550) / 7,800 = 1.0833 (above 1: crossed);
      // DAI: 19,350 / 20,000 = 0.9675 (below 1: crossed)
      const events = await adapter().decode(borrowLog(), ctx(reader));
      expect(view(events).map((v) => v[3])).toEqual(["1478.78787879", "1.08333333333", "0.9675"]);
      // taken now (HF 0.9675 > 0.95: half the debt): 10,000 · 1.05 / 1,400 = 7.5 WETH; 10,500 USDC > the
      // 10,000 held: all of it; 10,000 DAI (WETH pays 14,000 / 1.05 = 13,333 of it)
      expect(view(events).map((v) => v[4])).toEqual(["7.5", "10000", "10000"]);
    } finally {
      chain.prices[WETH] = 3000n * 10n ** 8n;
    }
  });

  it("behavior: the reserve configuration map unpacks as Aave packs it", () => {
    expect(reserveParameters(configOf(8250, 10500, 18, 1))).toEqual({
      liquidationThresholdBps: 8250,
      liquidationBonusBps: 10500,
      decimals: 18,
      eModeCategory: 1,
    });
  });
});

describe("MappedAdapter", () => {
  const OTHER = "0x0000000000000000000000000000000000000f00" as const;
  const abi = [
    "event Trade(address indexed account, bytes32 market, uint8 direction, uint256 amount, uint256 margin)",
  ];
  const events = {
    Trade: {
      account: { field: "account" },
      market: { field: "market", bytes32: true },
      side: { field: "direction", map: { "0": "LONG", "1": "SHORT" } },
      size: { field: "amount", decimals: 18 },
      collateralAsset: { value: "USDC" },
      collateralAmount: { field: "margin", decimals: 6 },
    },
  };
  const trade = (direction: number, amount: bigint) =>
    logOf(
      OTHER,
      encodeEventTopics({
        abi: [
          {
            type: "event",
            name: "Trade",
            inputs: [
              { name: "account", type: "address", indexed: true },
              { name: "market", type: "bytes32" },
              { name: "direction", type: "uint8" },
              { name: "amount", type: "uint256" },
              { name: "margin", type: "uint256" },
            ],
          },
        ],
        eventName: "Trade",
        args: { account: TRADER },
      }),
      encodeAbiParameters(parseAbiParameters("bytes32, uint8, uint256, uint256"), [
        stringToHex("BTC-PERP", { size: 32 }),
        direction,
        amount,
        2_500_000_000n,
      ]),
    );

  it("default: a venue added by ABI and field mapping, without code", async () => {
    const adapter = new MappedAdapter({ venueId: "other-perp", address: OTHER, abi, events });
    const [e] = await adapter.decode(trade(1, 3n * 10n ** 17n), ctx());
    expect(e!.value).toMatchObject({
      venueId: "other-perp",
      account: TRADER,
      market: "BTC-PERP",
      asset: "BTC",
      side: PositionSide.POSITION_SIDE_SHORT,
      status: PositionStatus.POSITION_STATUS_OPEN,
      size: "0.3",
      collateralAsset: "USDC",
      collateralAmount: "2500",
    });
    const [closed] = await adapter.decode(trade(0, 0n), ctx());
    expect((closed!.value as { status: number }).status).toBe(PositionStatus.POSITION_STATUS_CLOSED);
  });

  it("behavior: an unmapped value is a decode error; a mapping naming unknown fields is a config problem", async () => {
    const adapter = new MappedAdapter({ venueId: "other-perp", address: OTHER, abi, events });
    await expect(adapter.decode(trade(7, 1n), ctx())).rejects.toThrow(/no mapping for "7"/);
    expect(
      mappingProblems({
        abi,
        events: { Trade: { ...events.Trade, size: { field: "qty" } }, Nope: events.Trade },
      }),
    ).toEqual([
      'events.Trade.size: the event has no argument "qty"',
      "events.Nope: no such event in the abi",
    ]);
  });
});

describe("MappedAdapter for an options venue", () => {
  const VAULT = "0x0000000000000000000000000000000000000f0a" as const;
  const abi = [
    "event OptionPosition(address indexed holder, bytes32 series, bool isCall, bool written, uint256 strike, uint64 expiry, uint256 contracts, uint256 iv)",
  ];
  const events = OPTIONS_VAULT_EVENTS;
  const position = (isCall: boolean, written: boolean, expiry: bigint) =>
    logOf(
      VAULT,
      encodeEventTopics({
        abi: [
          {
            type: "event",
            name: "OptionPosition",
            inputs: [
              { name: "holder", type: "address", indexed: true },
              { name: "series", type: "bytes32" },
              { name: "isCall", type: "bool" },
              { name: "written", type: "bool" },
              { name: "strike", type: "uint256" },
              { name: "expiry", type: "uint64" },
              { name: "contracts", type: "uint256" },
              { name: "iv", type: "uint256" },
            ],
          },
        ],
        eventName: "OptionPosition",
        args: { holder: TRADER },
      }),
      encodeAbiParameters(parseAbiParameters("bytes32, bool, bool, uint256, uint64, uint256, uint256"), [
        stringToHex("ETH-20261231-3000-C", { size: 32 }),
        isCall,
        written,
        3_000n * 10n ** 8n,
        expiry,
        25n * 10n ** 17n,
        6_500n,
      ]),
    );

  it("default: an options position with its contract, by mapping alone, valid for the correlator", async () => {
    const adapter = new MappedAdapter({ venueId: "opt-evm", address: VAULT, abi, events });
    const [e] = await adapter.decode(position(true, true, 1_798_675_200n), ctx());
    const update = e!.value as Parameters<typeof validatePositionUpdate>[0];
    expect(update).toMatchObject({
      venueId: "opt-evm",
      account: TRADER,
      market: "ETH-20261231-3000-C",
      asset: "ETH",
      side: PositionSide.POSITION_SIDE_SHORT,
      size: "2.5",
      option: {
        kind: OptionKind.OPTION_KIND_CALL,
        strike: "3000",
        expiryMs: 1_798_675_200_000,
        impliedVolatility: "0.65",
        markPrice: "",
      },
    });
    expect(() => validatePositionUpdate(update)).not.toThrow();
    const [put] = await adapter.decode(position(false, false, 1_798_675_200n), ctx());
    expect((put!.value as typeof update).option?.kind).toBe(OptionKind.OPTION_KIND_PUT);
  });

  it("failure: option fields the event lacks are config problems", () => {
    expect(
      mappingProblems({
        abi,
        events: {
          OptionPosition: {
            ...events.OptionPosition,
            option: { ...events.OptionPosition.option, strike: { field: "k" } },
          },
        },
      }),
    ).toEqual(['events.OptionPosition.option.strike: the event has no argument "k"']);
  });
});
