// GMX v2 EventLog1 logs encoded with viem from the EventEmitter interface (gmx-v2-abi.ts), decoded
// by the adapter without a chain: the layout, the units, and the refusals.
import { PositionSide, PositionStatus, type PositionUpdate } from "@breakwater/proto";
import { encodeAbiParameters, encodeEventTopics, type Hex, keccak256, stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import type { ChainLog } from "../rpc-schemas.js";
import { type ContractReader, LogDecodeError } from "./adapter.js";
import { GmxV2Adapter } from "./gmx-v2.js";
import { eventLogData, gmxEventEmitterAbi } from "./gmx-v2-abi.js";

const EMITTER = "0x00000000000000000000000000000000000000e1" as const;
const MARKET = "0x00000000000000000000000000000000000000a1" as const;
const USDC = "0x00000000000000000000000000000000000000c1" as const;
const TRADER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" as const;
const noReads: ContractReader = { call: () => Promise.reject(new Error("no reads expected")) };
const ctx = { chainId: "arb", blockTimeMs: 1, observedAtMs: 2, reader: noReads };
const adapter = new GmxV2Adapter({
  venueId: "gmx",
  address: EMITTER,
  markets: { [MARKET]: { name: "ETH/USD", asset: "ETH", indexDecimals: 18 } },
  collateralTokens: { [USDC]: { symbol: "USDC", decimals: 6 } },
});

const empty = { items: [], arrayItems: [] };
/** An EventLog1 as GMX emits it: topic1 keccak256(eventName), topic2 the account. */
function eventLog1(
  eventName: string,
  items: {
    address?: [string, Hex][];
    uint?: [string, bigint][];
    bool?: [string, boolean][];
  },
  topicName = eventName,
): ChainLog {
  const kv = <T>(xs: [string, T][] | undefined) => ({
    items: (xs ?? []).map(([key, value]) => ({ key, value })),
    arrayItems: [],
  });
  const data = {
    addressItems: kv(items.address),
    uintItems: kv(items.uint),
    intItems: empty,
    boolItems: kv(items.bool),
    bytes32Items: empty,
    bytesItems: empty,
    stringItems: empty,
  };
  const topics = encodeEventTopics({
    abi: gmxEventEmitterAbi,
    eventName: "EventLog1",
    args: { topic1: `0x${TRADER.slice(2).padStart(64, "0")}` },
  });
  // the indexed string's topic is keccak256 of the name
  topics[1] = keccak256(stringToHex(topicName));
  return {
    address: EMITTER,
    topics: topics as Hex[],
    data: encodeAbiParameters(
      [{ type: "address" }, { type: "string" }, eventLogData],
      [TRADER, eventName, data as never],
    ),
    blockNumber: 7,
    blockHash: `0x${"ab".repeat(32)}`,
    logIndex: 4,
    transactionHash: `0x${"cd".repeat(32)}`,
  };
}

const E30 = 10n ** 30n;
/** A 20x short of 2 ETH at 3,500 on 350 USDC (sizeInUsd 7,000 · 1e30; USDC priced 1e24 per unit). */
const SHORT = {
  address: [
    ["account", TRADER],
    ["market", MARKET],
    ["collateralToken", USDC],
  ] as [string, Hex][],
  uint: [
    ["sizeInUsd", 7_000n * E30],
    ["sizeInTokens", 2n * 10n ** 18n],
    ["collateralAmount", 350n * 10n ** 6n],
    ["collateralTokenPrice.min", 10n ** 24n],
    ["orderType", 2n],
  ] as [string, bigint][],
  bool: [["isLong", false]] as [string, boolean][],
};

describe("gmx-v2 adapter on logs encoded from GMX's EventEmitter interface", () => {
  it("default: a PositionIncrease becomes the position's state, in asset units, with its solved liquidation price", async () => {
    const [e] = await adapter.decode(eventLog1("PositionIncrease", SHORT), ctx);
    const u = e!.value as PositionUpdate;
    // (7,000 · 0.99 + 350) / 2 = 3,640
    expect(u).toMatchObject({
      eventId: `arb:0x${"ab".repeat(32)}:4`,
      venueId: "gmx",
      account: TRADER,
      market: "ETH/USD:USDC:short",
      asset: "ETH",
      side: PositionSide.POSITION_SIDE_SHORT,
      status: PositionStatus.POSITION_STATUS_OPEN,
      size: "2",
      entryPrice: "3500",
      collateralAsset: "USDC",
      collateralAmount: "350",
      liquidationPrice: "3640",
    });
  });

  it("behavior: events other than position changes are skipped before decoding, even undecodable ones", async () => {
    expect(await adapter.decode(eventLog1("OrderCreated", SHORT), ctx)).toEqual([]);
    expect(await adapter.decode({ ...eventLog1("PositionFeesCollected", SHORT), data: "0x12" }, ctx)).toEqual(
      [],
    );
  });

  it("behavior: a log whose name does not match its topic, whose data is cut or misses a key is refused", async () => {
    const refusal = async (log: ChainLog) => {
      try {
        await adapter.decode(log, ctx);
        return "accepted";
      } catch (err) {
        return err instanceof LogDecodeError ? `${err.kind}: ${err.message.split(": ").at(-1)}` : String(err);
      }
    };
    expect(await refusal(eventLog1("PositionDecrease", SHORT, "PositionIncrease"))).toBe(
      "undecodable: eventName PositionDecrease does not match its topic (PositionIncrease)",
    );
    const cut = eventLog1("PositionIncrease", SHORT);
    expect(await refusal({ ...cut, data: cut.data.slice(0, 200) as Hex })).toMatch(/^undecodable/);
    const noSize = { ...SHORT, uint: SHORT.uint.filter(([k]) => k !== "sizeInTokens") };
    expect(await refusal(eventLog1("PositionIncrease", noSize))).toBe("undecodable: no sizeInTokens item");
    const elsewhere = {
      ...SHORT,
      address: SHORT.address.map(([k, v]) => [k, k === "market" ? EMITTER : v] as [string, Hex]),
    };
    expect(await refusal(eventLog1("PositionIncrease", elsewhere))).toBe(
      `unconfigured_market: market ${EMITTER} is not configured`,
    );
  });
});
