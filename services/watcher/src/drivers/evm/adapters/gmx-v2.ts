import {
  chainEventId,
  formatUnits,
  isolatedPerpLiquidationPrice,
  significantDecimal,
} from "@breakwater/core";
import { PositionSide, PositionStatus } from "@breakwater/proto";
import { keccak256, stringToHex } from "viem";
import type { BlockEvent } from "../../../chain-driver.js";
import type { ChainLog } from "../rpc-schemas.js";
import { coordinatesOf, type LogAdapter, type LogContext, LogDecodeError, position } from "./adapter.js";
import { EventDecoder } from "./event-decoder.js";
import { GMX_ORDER_TYPE_LIQUIDATION, gmxEventEmitterAbi } from "./gmx-v2-abi.js";
import { type EventLogItems, eventLogItems } from "./gmx-v2-items.js";

/** A GMX v2 market followed: its market token address → what it trades. */
export interface GmxMarketConfig {
  /** Market name in Breakwater, e.g. "ETH/USD". */
  readonly name: string;
  /** The index asset, e.g. "ETH". */
  readonly asset: string;
  /** Decimals of the index token (sizeInTokens is in its units). */
  readonly indexDecimals: number;
  /** The market's minCollateralFactor (default the adapter's). */
  readonly minCollateralFactor?: number | undefined;
}

/** A collateral token: its address → symbol and decimals. */
export interface GmxTokenConfig {
  /** Asset symbol; a collateral whose symbol is the market's asset moves with the index price. */
  readonly symbol: string;
  readonly decimals: number;
}

export interface GmxV2AdapterConfig {
  readonly venueId: string;
  /** The EventEmitter contract. */
  readonly address: `0x${string}`;
  readonly markets: Readonly<Record<string, GmxMarketConfig>>;
  readonly collateralTokens: Readonly<Record<string, GmxTokenConfig>>;
  /** Share of a position's size its collateral must cover (GMX's minCollateralFactor; default 0.01). */
  readonly minCollateralFactor?: number | undefined;
}

const emitterEvents = new EventDecoder(gmxEventEmitterAbi);
const POSITION_EVENTS = new Set(["PositionIncrease", "PositionDecrease"]);
/** keccak256 of each followed event name: the indexed `eventNameHash` topic. */
const NAME_HASHES = new Map([...POSITION_EVENTS].map((n) => [keccak256(stringToHex(n)), n]));
/** GMX USD amounts and prices carry 30 decimals. */
const USD_DECIMALS = 30;
const USD_SCALE = 10 ** USD_DECIMALS;
const ENTRY_DECIMALS = 18;

const lower = <T>(r: Readonly<Record<string, T>>) =>
  new Map(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v]));

/**
 * GMX v2 positions from its EventEmitter: PositionIncrease and
 * PositionDecrease (EventLog1, topic1 the account) carry the position's new
 * state in an EventLogData struct of key-value items, read by key (a
 * dedicated decoder: the fields sit in arrays of {key, value} pairs, not at
 * fixed places an ABI path could name). A PositionDecrease with orderType
 * Liquidation is a liquidation. GMX publishes no liquidation price; it is
 * solved from the state (size, tokens, collateral at the event's collateral
 * price) and the market's minCollateralFactor, fees left out. Any other event
 * name is ignored before its data is decoded; a position in a market or
 * collateral that is not configured is rejected (`unconfigured_market`,
 * `unconfigured_token`), counted and logged by the driver.
 */
export class GmxV2Adapter implements LogAdapter {
  readonly name: string;
  readonly addresses: readonly `0x${string}`[];
  private readonly markets: ReadonlyMap<string, GmxMarketConfig>;
  private readonly tokens: ReadonlyMap<string, GmxTokenConfig>;

  constructor(private readonly cfg: GmxV2AdapterConfig) {
    this.name = `gmx-v2:${cfg.venueId}`;
    this.addresses = [cfg.address.toLowerCase() as `0x${string}`];
    this.markets = lower(cfg.markets);
    this.tokens = lower(cfg.collateralTokens);
  }

  async decode(log: ChainLog, ctx: LogContext): Promise<BlockEvent[]> {
    // topic1 of all three EventLogs is keccak256(eventName): skip other events undecoded
    const named = log.topics[1] && NAME_HASHES.get(log.topics[1].toLowerCase() as `0x${string}`);
    if (!named) return [];
    const decoded = emitterEvents.decodeLog(log, this.name);
    if (!decoded) return [];
    const { eventName, eventData } = decoded.args;
    if (eventName !== named)
      throw new LogDecodeError(this.name, `eventName ${eventName} does not match its topic (${named})`, log);
    const items = eventLogItems(eventData);
    return [this.positionOf(log, ctx, items)];
  }

  private positionOf(log: ChainLog, ctx: LogContext, items: EventLogItems): BlockEvent {
    const need = <T>(v: T | undefined, key: string): T => {
      if (v === undefined) throw new LogDecodeError(this.name, `no ${key} item`, log);
      return v;
    };
    const marketAddress = need(items.address("market"), "market");
    const tokenAddress = need(items.address("collateralToken"), "collateralToken");
    const market = this.markets.get(marketAddress);
    if (!market)
      throw new LogDecodeError(
        this.name,
        `market ${marketAddress} is not configured`,
        log,
        undefined,
        "unconfigured_market",
      );
    const token = this.tokens.get(tokenAddress);
    if (!token)
      throw new LogDecodeError(
        this.name,
        `collateral token ${tokenAddress} is not configured`,
        log,
        undefined,
        "unconfigured_token",
      );
    const isLong = need(items.bool("isLong"), "isLong");
    const sizeInUsd = need(items.uint("sizeInUsd"), "sizeInUsd");
    const sizeInTokens = need(items.uint("sizeInTokens"), "sizeInTokens");
    const collateralAmount = need(items.uint("collateralAmount"), "collateralAmount");
    const collateralPrice = need(items.uint("collateralTokenPrice.min"), "collateralTokenPrice.min");
    const orderType = need(items.uint("orderType"), "orderType");
    const liquidated = orderType === GMX_ORDER_TYPE_LIQUIDATION;
    const open = !liquidated && sizeInUsd > 0n && sizeInTokens > 0n;
    const collateralIsIndex = token.symbol === market.asset;
    const liquidationPrice = open
      ? isolatedPerpLiquidationPrice({
          isLong,
          sizeUsd: Number(sizeInUsd) / USD_SCALE,
          sizeInTokens: Number(sizeInTokens) / 10 ** market.indexDecimals,
          collateral: collateralIsIndex
            ? Number(collateralAmount) / 10 ** token.decimals
            : (Number(collateralAmount) * Number(collateralPrice)) / USD_SCALE,
          collateralIsIndex,
          minCollateralFactor: market.minCollateralFactor ?? this.cfg.minCollateralFactor ?? 0.01,
        })
      : undefined;
    return position({
      eventId: chainEventId(ctx.chainId, log.blockHash, log.logIndex),
      chainId: ctx.chainId,
      venueId: this.cfg.venueId,
      account: need(items.address("account"), "account"),
      // one GMX position per (account, market, collateral token, side)
      market: `${market.name}:${token.symbol}:${isLong ? "long" : "short"}`,
      asset: market.asset,
      side: isLong ? PositionSide.POSITION_SIDE_LONG : PositionSide.POSITION_SIDE_SHORT,
      status: liquidated
        ? PositionStatus.POSITION_STATUS_LIQUIDATED
        : open
          ? PositionStatus.POSITION_STATUS_OPEN
          : PositionStatus.POSITION_STATUS_CLOSED,
      size: open ? formatUnits(sizeInTokens, market.indexDecimals) : "0",
      entryPrice: open
        ? formatUnits(
            (sizeInUsd * 10n ** BigInt(market.indexDecimals + ENTRY_DECIMALS)) /
              (sizeInTokens * 10n ** BigInt(USD_DECIMALS)),
            ENTRY_DECIMALS,
          )
        : "",
      collateralAsset: token.symbol,
      collateralAmount: open ? formatUnits(collateralAmount, token.decimals) : "0",
      liquidationPrice: liquidationPrice === undefined ? "" : significantDecimal(liquidationPrice),
      coordinates: coordinatesOf(log),
      chainTimeMs: ctx.blockTimeMs,
      observedAtMs: ctx.observedAtMs,
    });
  }
}
