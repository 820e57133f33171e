import { chainEventId, formatUnits } from "@breakwater/core";
import { PositionSide, PositionStatus } from "@breakwater/proto";
import type { BlockEvent } from "../../../chain-driver.js";
import type { ChainLog } from "../rpc-schemas.js";
import {
  bytes32ToText,
  coordinatesOf,
  type LogAdapter,
  type LogContext,
  LogDecodeError,
  position,
} from "./adapter.js";
import { EventDecoder } from "./event-decoder.js";

/** The events of Breakwater's reference perp venue (libs/testkit/contracts/src/PerpVenue.sol). */
/** The parameters every position event of the venue starts with. */
const POSITION_KEYS = [
  { name: "trader", type: "address", indexed: true },
  { name: "market", type: "bytes32", indexed: true },
  { name: "isLong", type: "bool", indexed: false },
  { name: "size", type: "uint256", indexed: false },
  { name: "collateral", type: "uint256", indexed: false },
  { name: "entryPrice", type: "uint256", indexed: false },
] as const;

/** Opened, increased and decreased carry the new state with its liquidation price. */
const POSITION_STATE = [
  ...POSITION_KEYS,
  { name: "liquidationPrice", type: "uint256", indexed: false },
] as const;

export const perpVenueEventsAbi = [
  { type: "event", name: "PositionOpened", inputs: POSITION_STATE },
  { type: "event", name: "PositionIncreased", inputs: POSITION_STATE },
  { type: "event", name: "PositionDecreased", inputs: POSITION_STATE },
  {
    type: "event",
    name: "PositionLiquidated",
    inputs: [
      ...POSITION_KEYS,
      { name: "liquidator", type: "address", indexed: false },
      { name: "markPrice", type: "uint256", indexed: false },
    ],
  },
] as const;

const perpVenueEvents = new EventDecoder(perpVenueEventsAbi);

export interface PerpVenueAdapterConfig {
  readonly venueId: string;
  readonly address: `0x${string}`;
  /** Market name → asset (default: the market's prefix, "ETH-PERP" → "ETH"). */
  readonly markets?: Readonly<Record<string, string>> | undefined;
  /** The quote asset posted as collateral (default USDC). */
  readonly collateralAsset?: string | undefined;
}

const DECIMALS = 18;

/** Positions of the reference perp venue: every event carries the full position state. */
export class PerpVenueAdapter implements LogAdapter {
  readonly name: string;
  readonly addresses: readonly `0x${string}`[];

  constructor(private readonly cfg: PerpVenueAdapterConfig) {
    this.name = `perp-venue:${cfg.venueId}`;
    this.addresses = [cfg.address.toLowerCase() as `0x${string}`];
  }

  async decode(log: ChainLog, ctx: LogContext): Promise<BlockEvent[]> {
    const decoded = perpVenueEvents.decodeLog(log, this.name);
    if (!decoded) return [];
    const a = decoded.args;
    const market = bytes32ToText(a.market);
    if (market === "") throw new LogDecodeError(this.name, "empty market name", log);
    const liquidated = decoded.eventName === "PositionLiquidated";
    const closed = !liquidated && a.size === 0n;
    return [
      position({
        eventId: chainEventId(ctx.chainId, log.blockHash, log.logIndex),
        chainId: ctx.chainId,
        venueId: this.cfg.venueId,
        account: a.trader.toLowerCase(),
        market,
        asset: this.cfg.markets?.[market] ?? market.split("-")[0]!,
        side: a.isLong ? PositionSide.POSITION_SIDE_LONG : PositionSide.POSITION_SIDE_SHORT,
        status: liquidated
          ? PositionStatus.POSITION_STATUS_LIQUIDATED
          : closed
            ? PositionStatus.POSITION_STATUS_CLOSED
            : PositionStatus.POSITION_STATUS_OPEN,
        size: liquidated ? "0" : formatUnits(a.size, DECIMALS),
        entryPrice: liquidated || closed ? "" : formatUnits(a.entryPrice, DECIMALS),
        collateralAsset: this.cfg.collateralAsset ?? "USDC",
        collateralAmount: liquidated ? "0" : formatUnits(a.collateral, DECIMALS),
        liquidationPrice:
          "liquidationPrice" in a && !closed && a.liquidationPrice > 0n
            ? formatUnits(a.liquidationPrice, DECIMALS)
            : "",
        coordinates: coordinatesOf(log),
        chainTimeMs: ctx.blockTimeMs,
        observedAtMs: ctx.observedAtMs,
      }),
    ];
  }
}
