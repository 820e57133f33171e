// Test support (import from "@breakwater/core/testing"): valid domain messages to start from.
import { PositionSide, PositionStatus, type PositionUpdate } from "@breakwater/proto";

let nextEventId = 0;

/**
 * A valid PositionUpdate: an open long of 1 ETH on `ETH-PERP`, account `0x1`,
 * venue `perp-a`, chain `sim-a`, chain time 1, with an event id no other call
 * returns, as `fields` override.
 *
 * @example
 * book.apply(positionUpdate({ size: "2", side: PositionSide.POSITION_SIDE_SHORT }));
 */
export function positionUpdate(fields: Partial<PositionUpdate> = {}): PositionUpdate {
  return {
    eventId: `fixture-${nextEventId++}`,
    chainId: "sim-a",
    venueId: "perp-a",
    account: "0x1",
    market: "ETH-PERP",
    asset: "ETH",
    side: PositionSide.POSITION_SIDE_LONG,
    status: PositionStatus.POSITION_STATUS_OPEN,
    size: "1",
    entryPrice: "",
    collateralAsset: "",
    collateralAmount: "",
    liquidationPrice: "",
    coordinates: undefined,
    chainTimeMs: 1,
    observedAtMs: 1,
    ...fields,
  };
}
