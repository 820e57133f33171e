import { formatUnits, numberToDecimal, type PerpMarginAccount, perpLiquidationPrice } from "@breakwater/core";
import { PositionSide, PositionStatus, type PositionUpdate } from "@breakwater/proto";
import type { BlockEvent } from "../../../chain-driver.js";
import {
  type AccountAdapter,
  type AccountContext,
  AccountDecodeError,
  type AccountQuery,
} from "./account-adapter.js";
import { base58 } from "./anchor-discriminator.js";
import {
  DRIFT_ACCOUNT_SIZE,
  DRIFT_DISCRIMINATOR,
  DRIFT_PRECISION,
  DRIFT_PROGRAM,
  type DriftPerpMarket,
  type DriftSpotMarket,
  type DriftUser,
  decodeDriftPerpMarket,
  decodeDriftSpotMarket,
  decodeDriftUser,
  spotTokenAmount,
} from "./drift-layout.js";

export interface DriftVenueOptions {
  readonly venueId: string;
  readonly programId?: string | undefined;
  /** Asset of each perp market by index (default: the market's name without "-PERP"). */
  readonly perpAssets?: Readonly<Record<string, string>> | undefined;
  /** Asset of each spot market by index (default: the market's name). */
  readonly spotAssets?: Readonly<Record<string, string>> | undefined;
  /** The quote spot market (USDC on Drift): its net balance is the perp positions' collateral. */
  readonly quoteSpotMarketIndex?: number | undefined;
  /** Read the User accounts in 256 parts by the authority's first byte (mainnet's user set is large). */
  readonly partitionUsers?: boolean | undefined;
}

const query = (
  programId: string,
  kind: keyof typeof DRIFT_ACCOUNT_SIZE,
  reference: boolean,
): AccountQuery => ({
  programId,
  reference,
  filters: [
    { dataSize: DRIFT_ACCOUNT_SIZE[kind] },
    { memcmp: { offset: 0, bytes: base58(DRIFT_DISCRIMINATOR[kind]) } },
  ],
});

/** What a user account last published, to close what it no longer holds. */
type Published = Map<string, Pick<PositionUpdate, "account" | "market" | "asset" | "side">>;

const toNumber = (amount: bigint, decimals: number) => Number(amount) / 10 ** decimals;

/**
 * Drift, the Solana perp venue: reads the PerpMarket and SpotMarket accounts
 * (reference accounts, held in memory) and the User accounts, and turns each
 * user into normalized positions: a LONG or SHORT per perp position (size,
 * entry price from the quote entry amount, the quote market's net balance as
 * collateral, and the liquidation price of Drift-style cross margin at the
 * markets' oracle prices), and a SUPPLY or BORROW per spot balance. A
 * position the user no longer holds is published CLOSED. The account is the
 * user's authority (`<authority>/<sub-account>` past sub-account 0).
 */
export class DriftVenueAdapter implements AccountAdapter {
  readonly name = "drift";
  readonly queries: readonly AccountQuery[];
  private readonly perpMarkets = new Map<number, DriftPerpMarket>();
  private readonly spotMarkets = new Map<number, DriftSpotMarket>();
  private readonly published = new Map<string, Published>();

  constructor(private readonly opts: DriftVenueOptions) {
    const program = opts.programId ?? DRIFT_PROGRAM;
    const users = query(program, "User", false);
    this.queries = [
      query(program, "PerpMarket", true),
      query(program, "SpotMarket", true),
      // the authority is the User account's first field, at offset 8
      opts.partitionUsers ? { ...users, partitionByte: 8 } : users,
    ];
  }

  decode(q: number, pubkey: string, data: Uint8Array, ctx: AccountContext): BlockEvent[] {
    if (q === 0) {
      const m = decodeDriftPerpMarket(pubkey, data);
      this.perpMarkets.set(m.marketIndex, m);
      return [];
    }
    if (q === 1) {
      const m = decodeDriftSpotMarket(pubkey, data);
      this.spotMarkets.set(m.marketIndex, m);
      return [];
    }
    return this.userEvents(pubkey, decodeDriftUser(pubkey, data), ctx);
  }

  /** Users the read no longer holds (closed accounts): what they held is published CLOSED. */
  closed(
    q: number,
    present: ReadonlySet<string>,
    ctx: AccountContext,
  ): { account: string; events: BlockEvent[] }[] {
    if (q !== 2) return [];
    const out: { account: string; events: BlockEvent[] }[] = [];
    for (const [pubkey, held] of this.published) {
      if (present.has(pubkey)) continue;
      this.published.delete(pubkey);
      const events: BlockEvent[] = [...held.values()].map((p) => ({
        kind: "position",
        value: {
          eventId: `${ctx.eventId}:${pubkey}:closed:${p.market}`,
          chainId: ctx.chainId,
          venueId: this.opts.venueId,
          account: p.account,
          market: p.market,
          asset: p.asset,
          side: p.side,
          status: PositionStatus.POSITION_STATUS_CLOSED,
          size: "0",
          entryPrice: "",
          collateralAsset: "",
          collateralAmount: "",
          liquidationPrice: "",
          coordinates: undefined,
          chainTimeMs: ctx.slotTimeMs,
          observedAtMs: ctx.observedAtMs,
        },
      }));
      out.push({ account: pubkey, events });
    }
    return out;
  }

  private perpAsset(m: DriftPerpMarket): string {
    return this.opts.perpAssets?.[String(m.marketIndex)] ?? m.name.replace(/-PERP$/, "");
  }

  private spotAsset(m: DriftSpotMarket): string {
    return this.opts.spotAssets?.[String(m.marketIndex)] ?? m.name;
  }

  private userEvents(pubkey: string, user: DriftUser, ctx: AccountContext): BlockEvent[] {
    const account = user.subAccountId === 0 ? user.authority : `${user.authority}/${user.subAccountId}`;
    const perps = user.perpPositions.map((p) => {
      const m = this.perpMarkets.get(p.marketIndex);
      if (!m) throw new AccountDecodeError("unknown_market", pubkey, `perp market ${p.marketIndex} not read`);
      return { p, m };
    });
    const spots = user.spotPositions.map((s) => {
      const m = this.spotMarkets.get(s.marketIndex);
      if (!m) throw new AccountDecodeError("unknown_market", pubkey, `spot market ${s.marketIndex} not read`);
      return { s, m, amount: spotTokenAmount(s, m) };
    });
    const margin: PerpMarginAccount = {
      perps: perps.map(({ p, m }) => ({
        base: toNumber(p.baseAssetAmount, DRIFT_PRECISION.baseDecimals),
        quote: toNumber(p.quoteAssetAmount, DRIFT_PRECISION.quoteDecimals),
        price: toNumber(m.lastOraclePrice, DRIFT_PRECISION.priceDecimals),
        maintenanceRatio: m.marginRatioMaintenance / DRIFT_PRECISION.ratio,
      })),
      spots: spots.map(({ s, m, amount }) => ({
        amount: (s.side === "deposit" ? 1 : -1) * toNumber(amount, m.decimals),
        price: toNumber(m.lastOraclePrice, DRIFT_PRECISION.priceDecimals),
        assetWeight: m.maintenanceAssetWeight / DRIFT_PRECISION.ratio,
        liabilityWeight: m.maintenanceLiabilityWeight / DRIFT_PRECISION.ratio,
      })),
    };
    const quoteIndex = this.opts.quoteSpotMarketIndex ?? 0;
    const quoteMarket = this.spotMarkets.get(quoteIndex);
    const quote = spots.find((x) => x.m.marketIndex === quoteIndex);
    const collateral = quote ? (quote.s.side === "deposit" ? quote.amount : -quote.amount) : 0n;
    const base = (market: string): PositionUpdate => ({
      eventId: `${ctx.eventId}:${market}`,
      chainId: ctx.chainId,
      venueId: this.opts.venueId,
      account,
      market,
      asset: "",
      side: PositionSide.POSITION_SIDE_UNSPECIFIED,
      status: PositionStatus.POSITION_STATUS_OPEN,
      size: "0",
      entryPrice: "",
      collateralAsset: "",
      collateralAmount: "",
      liquidationPrice: "",
      coordinates: undefined,
      chainTimeMs: ctx.slotTimeMs,
      observedAtMs: ctx.observedAtMs,
    });
    const out: PositionUpdate[] = [];
    perps.forEach(({ p, m }, k) => {
      const size = p.baseAssetAmount < 0n ? -p.baseAssetAmount : p.baseAssetAmount;
      const entry = p.quoteEntryAmount < 0n ? -p.quoteEntryAmount : p.quoteEntryAmount;
      const liq = perpLiquidationPrice(margin, k);
      out.push({
        ...base(m.name),
        asset: this.perpAsset(m),
        side: p.baseAssetAmount > 0n ? PositionSide.POSITION_SIDE_LONG : PositionSide.POSITION_SIDE_SHORT,
        size: formatUnits(size, DRIFT_PRECISION.baseDecimals),
        // quote per base, at the price precision: entry × 10⁹ / size (quote and price share 6 decimals)
        entryPrice: formatUnits(
          (entry * 10n ** BigInt(DRIFT_PRECISION.baseDecimals)) / size,
          DRIFT_PRECISION.priceDecimals,
        ),
        collateralAsset: quoteMarket ? this.spotAsset(quoteMarket) : "",
        collateralAmount: quoteMarket && collateral > 0n ? formatUnits(collateral, quoteMarket.decimals) : "",
        liquidationPrice: liq === undefined ? "" : numberToDecimal(liq, 6),
      });
    });
    for (const { s, m, amount } of spots) {
      const market = s.side === "deposit" ? m.name : `${m.name}:debt`;
      out.push({
        ...base(market),
        asset: this.spotAsset(m),
        side: s.side === "deposit" ? PositionSide.POSITION_SIDE_SUPPLY : PositionSide.POSITION_SIDE_BORROW,
        size: formatUnits(amount, m.decimals),
      });
    }
    const before = this.published.get(pubkey);
    const now: Published = new Map(
      out.map((u) => [u.market, { account: u.account, market: u.market, asset: u.asset, side: u.side }]),
    );
    for (const [market, gone] of before ?? [])
      if (!now.has(market))
        out.push({ ...base(market), ...gone, status: PositionStatus.POSITION_STATUS_CLOSED });
    this.published.set(pubkey, now);
    return out.map((value) => ({ kind: "position", value }));
  }
}
