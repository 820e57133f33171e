import { validatePositionUpdate } from "@breakwater/core";
import { OptionKind, PositionSide, PositionStatus } from "@breakwater/proto";
import { loadArtifact, OPTIONS_VAULT_EVENTS } from "@breakwater/testkit";
import {
  type AbiEvent,
  encodeAbiParameters,
  encodeEventTopics,
  encodeFunctionResult,
  parseAbiParameters,
  stringToHex,
  toEventSelector,
} from "viem";
import { describe, expect, it } from "vitest";
import type { ChainLog } from "../rpc-schemas.js";
import { AaveV3Adapter, collateralLiquidationPrice } from "./aave-v3.js";
import { aaveV3PoolAbi, balanceOfAbi } from "./aave-v3-abi.js";
import type { ContractReader, LogContext } from "./adapter.js";
import { LogDecodeError } from "./adapter.js";
import { aggregatorEventsAbi, aggregatorV3Abi } from "./chainlink-abi.js";
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

  it("default: AnswerUpdated is a price tick scaled by the feed's decimals (read once from the feed)", async () => {
    let reads = 0;
    const reader: ContractReader = {
      call: async () => {
        reads++;
        return encodeFunctionResult({ abi: aggregatorV3Abi, functionName: "decimals", result: 8 });
      },
    };
    const adapter = new ChainlinkFeedAdapter({
      address: FEED,
      asset: "ETH",
      pair: "ETH/USD",
      heartbeatSeconds: 3600,
    });
    const [tick] = await adapter.decode(answerLog(276_512_345_678n), ctx(reader));
    await adapter.decode(answerLog(276_000_000_000n), ctx(reader));
    expect(reads).toBe(1);
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
    const reader: ContractReader = {
      call: async () =>
        encodeFunctionResult({
          abi: aggregatorV3Abi,
          functionName: "latestRoundData",
          result: [9n, 300_000_000_000n, 1_000n, 1_000n, 9n],
        }),
    };
    expect(await adapter.freshness(reader, 1, 1_000_000 + 3_599_000)).toMatchObject({ stale: false });
    expect(await adapter.freshness(reader, 1, 1_000_000 + 3_601_000)).toMatchObject({
      stale: true,
      ageSeconds: 3601,
    });
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

  it("behavior: the uptime feed's AnswerUpdated logs drive the gate; a repeated status keeps the change time", async () => {
    const FEED = "0x0000000000000000000000000000000000000abc" as const;
    const adapter = new SequencerUptimeAdapter({ address: FEED, gracePeriodSeconds: 60 });
    const status = (answer: bigint) =>
      logOf(
        FEED,
        encodeEventTopics({
          abi: aggregatorEventsAbi,
          eventName: "AnswerUpdated",
          args: { current: answer, roundId: 1n },
        }),
        encodeAbiParameters(parseAbiParameters("uint256"), [0n]),
      );
    expect(await adapter.decode(status(1n), { ...ctx(), blockTimeMs: 1_000_000 })).toEqual([]);
    expect(adapter.gate.distrust(1_000_001)).toBe("sequencer down");
    await adapter.decode(status(0n), { ...ctx(), blockTimeMs: 2_000_000 });
    await adapter.decode(status(0n), { ...ctx(), blockTimeMs: 2_050_000 });
    expect(adapter.gate.distrust(2_059_000)).toMatch(/grace/);
    expect(adapter.gate.distrust(2_060_000)).toBeUndefined();
  });
});

describe("AaveV3Adapter", () => {
  const POOL = "0x0000000000000000000000000000000000000a11" as const;
  const WETH = "0x00000000000000000000000000000000000000e7" as const;
  const USDC = "0x0000000000000000000000000000000000000dc0" as const;
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
  } as const;
  const balances: Record<string, bigint> = {
    "0x00000000000000000000000000000000000000a1": 10n * 10n ** 18n, // 10 ETH supplied
    "0x00000000000000000000000000000000000000d2": 16_500n * 10n ** 6n, // 16,500 USDC owed
    "0x00000000000000000000000000000000000000a2": 0n,
    "0x00000000000000000000000000000000000000d1": 0n,
  };
  const reader: ContractReader = {
    async call(to) {
      if (to === POOL)
        return encodeFunctionResult({
          abi: aaveV3PoolAbi,
          functionName: "getUserAccountData",
          // $30,000 collateral, $16,500 debt, 82.5% liquidation threshold, HF 1.5
          result: [3_000_000_000_000n, 1_650_000_000_000n, 0n, 8250n, 8000n, 1_500_000_000_000_000_000n],
        });
      return encodeFunctionResult({
        abi: balanceOfAbi,
        functionName: "balanceOf",
        result: balances[to] ?? 0n,
      });
    },
  };
  const adapter = new AaveV3Adapter({ venueId: "aave-v3", address: POOL, reserves: tokens });
  const eventLog = (eventName: string, args: Record<string, unknown>, types: string, values: unknown[]) =>
    logOf(
      POOL,
      encodeEventTopics({ abi: aaveV3PoolAbi, eventName, args } as never),
      encodeAbiParameters(parseAbiParameters(types), values as never),
    );

  it("default: a Supply is the account's supply position, carrying the collateral price at which it is liquidated", async () => {
    const log = eventLog(
      "Supply",
      { reserve: WETH, onBehalfOf: TRADER, referralCode: 0 },
      "address, uint256",
      [TRADER, 10n ** 18n],
    );
    const [e] = await adapter.decode(log, ctx(reader));
    // debt / (collateral × threshold) = 16500 / (10 × 0.825) = 2000
    expect(e!.value).toMatchObject({
      venueId: "aave-v3",
      account: TRADER,
      market: "ETH",
      asset: "ETH",
      side: PositionSide.POSITION_SIDE_SUPPLY,
      status: PositionStatus.POSITION_STATUS_OPEN,
      size: "10",
      liquidationPrice: "2000",
    });
  });

  it("behavior: a Borrow is the debt position; a LiquidationCall updates both legs with distinct ids", async () => {
    const borrow = eventLog(
      "Borrow",
      { reserve: USDC, onBehalfOf: TRADER, referralCode: 0 },
      "address, uint256, uint8, uint256",
      [TRADER, 16_500n * 10n ** 6n, 2, 10n ** 25n],
    );
    const [debt] = await adapter.decode(borrow, ctx(reader));
    expect(debt!.value).toMatchObject({
      side: PositionSide.POSITION_SIDE_BORROW,
      asset: "USDC",
      size: "16500",
    });
    const liquidation = eventLog(
      "LiquidationCall",
      { collateralAsset: WETH, debtAsset: USDC, user: TRADER },
      "uint256, uint256, address, bool",
      [1n, 1n, TRADER, false],
    );
    const legs = await adapter.decode(liquidation, ctx(reader));
    expect(legs.map((l) => l.value.eventId)).toEqual([
      `evm-test:${BLOCK_HASH}:3:collateral`,
      `evm-test:${BLOCK_HASH}:3:debt`,
    ]);
  });

  it("behavior: the liquidation price is empty without debt", () => {
    const health = {
      totalCollateralBase: 1n,
      totalDebtBase: 0n,
      liquidationThresholdBps: 8000n,
      healthFactor: 0n,
    };
    expect(collateralLiquidationPrice(health, 10n, 0, 8)).toBe("");
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
