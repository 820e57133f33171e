// Drift's User, PerpMarket and SpotMarket accounts at their fixed offsets, as
// Drift's published IDL (@drift-labs/sdk 2.156) lays them out: zero-copy
// accounts, an 8-byte Anchor discriminator, then the fields in order.
import { AccountDecodeError } from "./account-adapter.js";
import { AccountBytes } from "./account-bytes.js";
import { accountDiscriminator } from "./anchor-discriminator.js";

/** Drift's program id (mainnet-beta and devnet). */
export const DRIFT_PROGRAM = "dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH";

export const DRIFT_ACCOUNT_SIZE = { User: 4376, PerpMarket: 1216, SpotMarket: 776 } as const;
export const DRIFT_DISCRIMINATOR = {
  User: accountDiscriminator("User"),
  PerpMarket: accountDiscriminator("PerpMarket"),
  SpotMarket: accountDiscriminator("SpotMarket"),
} as const;

/** Drift's fixed-point precisions. */
export const DRIFT_PRECISION = {
  /** Perp base amounts. */
  baseDecimals: 9,
  /** Quote amounts (USDC). */
  quoteDecimals: 6,
  /** Oracle prices. */
  priceDecimals: 6,
  /** Margin ratios and spot weights. */
  ratio: 10_000,
  /** Spot cumulative interest. */
  interestDecimals: 10,
  /** Spot scaled balances. */
  balanceDecimals: 9,
} as const;

const USER = { authority: 8, spotPositions: 104, perpPositions: 424, subAccountId: 4346 } as const;
const SPOT_POSITION = { size: 40, scaledBalance: 0, marketIndex: 32, balanceType: 34 } as const;
const PERP_POSITION = {
  size: 96,
  baseAssetAmount: 8,
  quoteAssetAmount: 16,
  quoteBreakEvenAmount: 24,
  quoteEntryAmount: 32,
  marketIndex: 92,
} as const;
const PERP_MARKET = {
  // amm (offset 40) starts with the oracle (32 bytes), then historicalOracleData.lastOraclePrice
  lastOraclePrice: 72,
  name: 1000,
  marginRatioInitial: 1136,
  marginRatioMaintenance: 1140,
  marketIndex: 1160,
} as const;
const SPOT_MARKET = {
  name: 136,
  lastOraclePrice: 168,
  cumulativeDepositInterest: 464,
  cumulativeBorrowInterest: 480,
  maintenanceAssetWeight: 644,
  maintenanceLiabilityWeight: 652,
  decimals: 680,
  marketIndex: 684,
} as const;

export interface DriftPerpPosition {
  readonly marketIndex: number;
  /** Base units × 10⁹, negative for a short. */
  readonly baseAssetAmount: bigint;
  /** Quote units × 10⁶: the position's quote amount (entry plus settled pnl and funding). */
  readonly quoteAssetAmount: bigint;
  readonly quoteEntryAmount: bigint;
  readonly quoteBreakEvenAmount: bigint;
}

export interface DriftSpotPosition {
  readonly marketIndex: number;
  readonly scaledBalance: bigint;
  readonly side: "deposit" | "borrow";
}

export interface DriftUser {
  readonly authority: string;
  readonly subAccountId: number;
  /** Positions with a non-zero base amount. */
  readonly perpPositions: readonly DriftPerpPosition[];
  /** Balances with a non-zero scaled balance. */
  readonly spotPositions: readonly DriftSpotPosition[];
}

export interface DriftPerpMarket {
  readonly marketIndex: number;
  readonly name: string;
  /** Oracle price × 10⁶ (the AMM's last oracle price). */
  readonly lastOraclePrice: bigint;
  /** Ratios × 10⁴ (500 = 5%). */
  readonly marginRatioInitial: number;
  readonly marginRatioMaintenance: number;
}

export interface DriftSpotMarket {
  readonly marketIndex: number;
  readonly name: string;
  readonly decimals: number;
  readonly lastOraclePrice: bigint;
  /** × 10¹⁰ */
  readonly cumulativeDepositInterest: bigint;
  readonly cumulativeBorrowInterest: bigint;
  /** Weights × 10⁴. */
  readonly maintenanceAssetWeight: number;
  readonly maintenanceLiabilityWeight: number;
}

function checked(pubkey: string, data: Uint8Array, kind: keyof typeof DRIFT_ACCOUNT_SIZE): AccountBytes {
  const b = new AccountBytes(data, pubkey);
  if (!b.startsWith(DRIFT_DISCRIMINATOR[kind]))
    throw new AccountDecodeError("malformed", pubkey, `not a Drift ${kind} account (discriminator)`);
  if (data.length < DRIFT_ACCOUNT_SIZE[kind])
    throw new AccountDecodeError(
      "malformed",
      pubkey,
      `Drift ${kind} of ${data.length} bytes, expected ${DRIFT_ACCOUNT_SIZE[kind]}`,
    );
  return b;
}

export function decodeDriftUser(pubkey: string, data: Uint8Array): DriftUser {
  const b = checked(pubkey, data, "User");
  const perpPositions: DriftPerpPosition[] = [];
  for (let i = 0; i < 8; i++) {
    const at = USER.perpPositions + i * PERP_POSITION.size;
    const base = b.i64(at + PERP_POSITION.baseAssetAmount);
    if (base === 0n) continue;
    perpPositions.push({
      marketIndex: b.u16(at + PERP_POSITION.marketIndex),
      baseAssetAmount: base,
      quoteAssetAmount: b.i64(at + PERP_POSITION.quoteAssetAmount),
      quoteEntryAmount: b.i64(at + PERP_POSITION.quoteEntryAmount),
      quoteBreakEvenAmount: b.i64(at + PERP_POSITION.quoteBreakEvenAmount),
    });
  }
  const spotPositions: DriftSpotPosition[] = [];
  for (let i = 0; i < 8; i++) {
    const at = USER.spotPositions + i * SPOT_POSITION.size;
    const scaledBalance = b.u64(at + SPOT_POSITION.scaledBalance);
    if (scaledBalance === 0n) continue;
    const type = b.u8(at + SPOT_POSITION.balanceType);
    if (type > 1) throw new AccountDecodeError("malformed", pubkey, `spot balance type ${type}`);
    spotPositions.push({
      marketIndex: b.u16(at + SPOT_POSITION.marketIndex),
      scaledBalance,
      side: type === 0 ? "deposit" : "borrow",
    });
  }
  return {
    authority: b.pubkey(USER.authority),
    subAccountId: b.u16(USER.subAccountId),
    perpPositions,
    spotPositions,
  };
}

export function decodeDriftPerpMarket(pubkey: string, data: Uint8Array): DriftPerpMarket {
  const b = checked(pubkey, data, "PerpMarket");
  return {
    marketIndex: b.u16(PERP_MARKET.marketIndex),
    name: b.name(PERP_MARKET.name),
    lastOraclePrice: b.i64(PERP_MARKET.lastOraclePrice),
    marginRatioInitial: b.u32(PERP_MARKET.marginRatioInitial),
    marginRatioMaintenance: b.u32(PERP_MARKET.marginRatioMaintenance),
  };
}

export function decodeDriftSpotMarket(pubkey: string, data: Uint8Array): DriftSpotMarket {
  const b = checked(pubkey, data, "SpotMarket");
  return {
    marketIndex: b.u16(SPOT_MARKET.marketIndex),
    name: b.name(SPOT_MARKET.name),
    decimals: b.u32(SPOT_MARKET.decimals),
    lastOraclePrice: b.i64(SPOT_MARKET.lastOraclePrice),
    cumulativeDepositInterest: b.u128(SPOT_MARKET.cumulativeDepositInterest),
    cumulativeBorrowInterest: b.u128(SPOT_MARKET.cumulativeBorrowInterest),
    maintenanceAssetWeight: b.u32(SPOT_MARKET.maintenanceAssetWeight),
    maintenanceLiabilityWeight: b.u32(SPOT_MARKET.maintenanceLiabilityWeight),
  };
}

/**
 * A spot balance in token units × 10^decimals: scaled balance × cumulative
 * interest / 10^(19 − decimals), as Drift computes it (rounded down).
 */
export function spotTokenAmount(position: DriftSpotPosition, market: DriftSpotMarket): bigint {
  const interest =
    position.side === "deposit" ? market.cumulativeDepositInterest : market.cumulativeBorrowInterest;
  const precisionDecrease =
    10n ** BigInt(DRIFT_PRECISION.balanceDecimals + DRIFT_PRECISION.interestDecimals - market.decimals);
  return (position.scaledBalance * interest) / precisionDecrease;
}
