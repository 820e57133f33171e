import { numberToDecimal } from "@breakwater/core";
import { PositionSide, PositionStatus, type PositionUpdate } from "@breakwater/proto";
import { hash32 } from "./random.js";
import { perpAsset, type ScenarioChain } from "./scenario.js";

/** The quote currency of every simulated venue: collateral of perps, debt of loans. */
export const QUOTE_ASSET = "USDC";
/** Perp maintenance margin as a fraction of notional. */
const MAINTENANCE_MARGIN = 0.005;
/** Lending: a loan is liquidated when debt exceeds this share of the collateral's value. */
const LIQUIDATION_THRESHOLD = 0.825;
const MAX_LOAN_TO_VALUE = 0.8;
/** A position resized below this notional (USD) is closed instead. */
const MIN_NOTIONAL = 500;

/** The content of one position update, before it is placed in a block. */
export type PositionDraft = Omit<
  PositionUpdate,
  "eventId" | "chainId" | "coordinates" | "chainTimeMs" | "observedAtMs"
>;

type SlotStatus = "pending" | "open" | "closed" | "liquidated";

interface PerpSlot {
  readonly kind: "perp";
  readonly venueId: string;
  readonly account: string;
  readonly market: string;
  readonly asset: string;
  status: SlotStatus;
  side: PositionSide;
  size: number;
  entry: number;
  collateral: number;
  liquidation: number;
}

interface LoanSlot {
  readonly kind: "lending";
  readonly venueId: string;
  readonly account: string;
  /** The collateral asset supplied; the debt is in QUOTE_ASSET. */
  readonly asset: string;
  status: SlotStatus;
  amount: number;
  debt: number;
  entry: number;
  liquidation: number;
}

/** One position (perp) or one loan (a supply plus a borrow) that an account can hold on a venue. */
export type PositionSlot = PerpSlot | LoanSlot;

type Rng = () => number;

/** A deterministic account address for account `index` of a chain. */
export function simAccount(seed: number, chainId: string, index: number): string {
  const words = [0, 1, 2, 3, 4].map((w) => hash32(`bw-sim-account:${seed}:${chainId}:${index}:${w}`));
  return `0x${words.map((w) => w.toString(16).padStart(8, "0")).join("")}`;
}

/**
 * Every position slot of a chain, in a fixed order: per venue, per account,
 * per market (perps) or one loan per account (lending, collateral assets
 * assigned round-robin).
 */
export function positionSlots(seed: number, chainId: string, chain: ScenarioChain): PositionSlot[] {
  const accounts = Array.from({ length: chain.accounts }, (_, i) => simAccount(seed, chainId, i));
  const slots: PositionSlot[] = [];
  chain.venues.forEach((venue, v) => {
    accounts.forEach((account, a) => {
      if (venue.kind === "perp") {
        for (const market of venue.markets) {
          slots.push({
            kind: "perp",
            venueId: venue.id,
            account,
            market,
            asset: perpAsset(market),
            status: "pending",
            side: PositionSide.POSITION_SIDE_LONG,
            size: 0,
            entry: 0,
            collateral: 0,
            liquidation: 0,
          });
        }
      } else {
        slots.push({
          kind: "lending",
          venueId: venue.id,
          account,
          asset: venue.assets[(a + v) % venue.assets.length]!,
          status: "pending",
          amount: 0,
          debt: 0,
          entry: 0,
          liquidation: 0,
        });
      }
    });
  });
  return slots;
}

/** Opens (or re-opens) a slot at `price` with random size and leverage. */
export function openSlot(slot: PositionSlot, price: number, rng: Rng): void {
  slot.status = "open";
  slot.entry = price;
  if (slot.kind === "perp") {
    slot.side = rng() < 0.55 ? PositionSide.POSITION_SIDE_LONG : PositionSide.POSITION_SIDE_SHORT;
    const notional = 1_000 * 500 ** rng();
    const leverage = 2 + 18 * rng() ** 2;
    slot.size = notional / price;
    slot.collateral = notional / leverage;
  } else {
    const value = 5_000 * 200 ** rng();
    slot.amount = value / price;
    slot.debt = value * (0.3 + 0.5 * rng());
  }
  slot.liquidation = liquidationPrice(slot);
}

/** Changes an open slot's size (perp) or debt (loan); closes it when it gets too small. */
export function resizeSlot(slot: PositionSlot, price: number, rng: Rng): void {
  const factor = 0.5 + rng();
  if (slot.kind === "perp") {
    const size = slot.size * factor;
    if (size * price < MIN_NOTIONAL) {
      closeSlot(slot);
      return;
    }
    if (size > slot.size) {
      const leverage = (slot.size * slot.entry) / slot.collateral;
      slot.entry = (slot.size * slot.entry + (size - slot.size) * price) / size;
      slot.collateral += ((size - slot.size) * price) / leverage;
    } else {
      slot.collateral *= factor;
    }
    slot.size = size;
  } else {
    slot.debt = Math.min(slot.debt * factor, slot.amount * price * MAX_LOAN_TO_VALUE);
  }
  slot.liquidation = liquidationPrice(slot);
}

export function closeSlot(slot: PositionSlot): void {
  slot.status = "closed";
}

/** True when `price` has crossed the slot's liquidation price. */
export function isLiquidatable(slot: PositionSlot, price: number): boolean {
  if (slot.status !== "open") return false;
  if (slot.kind === "perp" && slot.side === PositionSide.POSITION_SIDE_SHORT)
    return price >= slot.liquidation;
  return price <= slot.liquidation;
}

export function liquidateSlot(slot: PositionSlot): void {
  slot.status = "liquidated";
}

function liquidationPrice(slot: PositionSlot): number {
  if (slot.kind === "lending") return slot.debt / (slot.amount * LIQUIDATION_THRESHOLD);
  const { size, entry, collateral } = slot;
  return slot.side === PositionSide.POSITION_SIDE_LONG
    ? Math.max(0, (entry * size - collateral) / (size * (1 - MAINTENANCE_MARGIN)))
    : (entry * size + collateral) / (size * (1 + MAINTENANCE_MARGIN));
}

const STATUS: Record<Exclude<SlotStatus, "pending">, PositionStatus> = {
  open: PositionStatus.POSITION_STATUS_OPEN,
  closed: PositionStatus.POSITION_STATUS_CLOSED,
  liquidated: PositionStatus.POSITION_STATUS_LIQUIDATED,
};

const price = (value: number) => numberToDecimal(value, 6);
const units = (value: number) => numberToDecimal(value, 6);
const usd = (value: number) => numberToDecimal(value, 2);

/**
 * The position updates that describe a slot's current state: one for a perp,
 * two for a loan (the collateral supply and the USDC borrow, both carrying the
 * collateral price at which the loan is liquidated). A closed or liquidated
 * position has size 0.
 */
export function slotDrafts(slot: PositionSlot): PositionDraft[] {
  if (slot.status === "pending") return [];
  const status = STATUS[slot.status];
  const open = slot.status === "open";
  const liquidationPrice = open && slot.liquidation > 0 ? price(slot.liquidation) : "";
  if (slot.kind === "perp") {
    return [
      {
        venueId: slot.venueId,
        account: slot.account,
        market: slot.market,
        asset: slot.asset,
        side: slot.side,
        status,
        size: open ? units(slot.size) : "0",
        entryPrice: price(slot.entry),
        collateralAsset: QUOTE_ASSET,
        collateralAmount: open ? usd(slot.collateral) : "0",
        liquidationPrice,
      },
    ];
  }
  const collateral = open ? units(slot.amount) : "0";
  return [
    {
      venueId: slot.venueId,
      account: slot.account,
      market: slot.asset,
      asset: slot.asset,
      side: PositionSide.POSITION_SIDE_SUPPLY,
      status,
      size: collateral,
      entryPrice: price(slot.entry),
      collateralAsset: slot.asset,
      collateralAmount: collateral,
      liquidationPrice,
    },
    {
      venueId: slot.venueId,
      account: slot.account,
      market: QUOTE_ASSET,
      asset: QUOTE_ASSET,
      side: PositionSide.POSITION_SIDE_BORROW,
      status,
      size: open ? usd(slot.debt) : "0",
      entryPrice: "",
      collateralAsset: slot.asset,
      collateralAmount: collateral,
      liquidationPrice,
    },
  ];
}
