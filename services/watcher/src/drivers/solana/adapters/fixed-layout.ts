import { formatUnits } from "@breakwater/core";
import { PositionSide, PositionStatus, type PositionUpdate } from "@breakwater/proto";
import type { BlockEvent } from "../../../chain-driver.js";
import {
  type AccountAdapter,
  type AccountContext,
  AccountDecodeError,
  type AccountQuery,
} from "./account-adapter.js";
import { AccountBytes } from "./account-bytes.js";
import { base58 } from "./anchor-discriminator.js";

/** Field types of a fixed layout, little-endian as Borsh and zero-copy accounts store them. */
export const FIELD_TYPES = {
  u8: 1,
  bool: 1,
  u16: 2,
  u32: 4,
  i32: 4,
  u64: 8,
  i64: 8,
  u128: 16,
  i128: 16,
  pubkey: 32,
  string: 0,
} as const;
export type FieldType = keyof typeof FIELD_TYPES;

/** Where a field comes from: a constant, or bytes at an offset (scaled, mapped). */
export type LayoutField =
  | { readonly value: string }
  | {
      readonly offset: number;
      readonly type: FieldType;
      /** For `string`: its byte length (zero- or space-padded UTF-8). */
      readonly length?: number | undefined;
      /** Integers: decimals to scale by. */
      readonly decimals?: number | undefined;
      /** Raw value as text → result, e.g. { "0": "LONG", "1": "SHORT" }. */
      readonly map?: Readonly<Record<string, string>> | undefined;
    };

export interface PositionLayout {
  readonly account: LayoutField;
  readonly market: LayoutField;
  /** Default: the market's prefix ("SOL-PERP" → "SOL"). */
  readonly asset?: LayoutField | undefined;
  /** LONG, SHORT, SUPPLY or BORROW. */
  readonly side: LayoutField;
  readonly size: LayoutField;
  /** OPEN, CLOSED or LIQUIDATED; default OPEN, CLOSED when the size is 0. */
  readonly status?: LayoutField | undefined;
  readonly entryPrice?: LayoutField | undefined;
  readonly collateralAsset?: LayoutField | undefined;
  readonly collateralAmount?: LayoutField | undefined;
  readonly liquidationPrice?: LayoutField | undefined;
}

export interface PriceLayout {
  readonly asset: LayoutField;
  readonly price: LayoutField;
  /** Default `<adapter name>:<asset>`. */
  readonly source?: LayoutField | undefined;
}

export interface FixedLayoutOptions {
  /** The adapter's name in metrics and logs. */
  readonly name: string;
  readonly venueId: string;
  readonly programId: string;
  /** Only accounts of exactly this size are read (getProgramAccounts dataSize). */
  readonly dataSize: number;
  /** Hex bytes every account starts with (an Anchor discriminator), matched by memcmp at 0. */
  readonly discriminator?: string | undefined;
  readonly position?: PositionLayout | undefined;
  readonly price?: PriceLayout | undefined;
}

/** The byte size of a field, for the config's bounds check. */
export function fieldSize(f: LayoutField): number {
  if ("value" in f) return 0;
  return f.type === "string" ? (f.length ?? 0) : FIELD_TYPES[f.type];
}

function raw(b: AccountBytes, f: Exclude<LayoutField, { value: string }>): bigint | string {
  switch (f.type) {
    case "u8":
      return BigInt(b.u8(f.offset));
    case "bool":
      return b.u8(f.offset) !== 0 ? "true" : "false";
    case "u16":
      return BigInt(b.u16(f.offset));
    case "u32":
      return BigInt(b.u32(f.offset));
    case "i32":
      return BigInt(b.i32(f.offset));
    case "u64":
      return b.u64(f.offset);
    case "i64":
      return b.i64(f.offset);
    case "u128":
      return b.u128(f.offset);
    case "i128":
      return b.i128(f.offset);
    case "pubkey":
      return b.pubkey(f.offset);
    case "string":
      return b.name(f.offset, f.length ?? 0);
  }
}

const SIDES: Record<string, PositionSide> = {
  LONG: PositionSide.POSITION_SIDE_LONG,
  SHORT: PositionSide.POSITION_SIDE_SHORT,
  SUPPLY: PositionSide.POSITION_SIDE_SUPPLY,
  BORROW: PositionSide.POSITION_SIDE_BORROW,
};
const STATUSES: Record<string, PositionStatus> = {
  OPEN: PositionStatus.POSITION_STATUS_OPEN,
  CLOSED: PositionStatus.POSITION_STATUS_CLOSED,
  LIQUIDATED: PositionStatus.POSITION_STATUS_LIQUIDATED,
};

/**
 * A venue or oracle whose accounts have one fixed layout, described in the
 * cluster file by offsets and types, as the EVM `mapped` adapter describes
 * events: each account becomes one position update and/or one price tick.
 */
export class FixedLayoutAdapter implements AccountAdapter {
  readonly name: string;
  readonly queries: readonly AccountQuery[];

  constructor(private readonly opts: FixedLayoutOptions) {
    this.name = opts.name;
    const filters: AccountQuery["filters"][number][] = [{ dataSize: opts.dataSize }];
    if (opts.discriminator)
      filters.push({ memcmp: { offset: 0, bytes: base58(Buffer.from(opts.discriminator, "hex")) } });
    this.queries = [{ programId: opts.programId, filters }];
  }

  private text(b: AccountBytes, f: LayoutField, what: string): string {
    if ("value" in f) return f.value;
    const v = raw(b, f);
    const shown = typeof v === "bigint" && f.decimals ? formatUnits(v, f.decimals) : String(v);
    if (!f.map) return shown;
    const mapped = f.map[String(v)];
    if (mapped === undefined)
      throw new AccountDecodeError("out_of_range", b.account, `${what}: no mapping for ${String(v)}`);
    return mapped;
  }

  decode(_q: number, pubkey: string, data: Uint8Array, ctx: AccountContext): BlockEvent[] {
    const b = new AccountBytes(data, pubkey);
    const out: BlockEvent[] = [];
    const p = this.opts.position;
    if (p) {
      const size = this.text(b, p.size, "size");
      if (size.startsWith("-")) throw new AccountDecodeError("out_of_range", pubkey, `negative size ${size}`);
      const sideText = this.text(b, p.side, "side");
      const side = SIDES[sideText];
      if (side === undefined) throw new AccountDecodeError("out_of_range", pubkey, `side ${sideText}`);
      const statusText = p.status
        ? this.text(b, p.status, "status")
        : /^0(\.0*)?$/.test(size)
          ? "CLOSED"
          : "OPEN";
      const status = STATUSES[statusText];
      if (status === undefined) throw new AccountDecodeError("out_of_range", pubkey, `status ${statusText}`);
      const market = this.text(b, p.market, "market");
      const opt = (f: LayoutField | undefined, what: string) => (f ? this.text(b, f, what) : "");
      const value: PositionUpdate = {
        eventId: ctx.eventId,
        chainId: ctx.chainId,
        venueId: this.opts.venueId,
        account: this.text(b, p.account, "account"),
        market,
        asset: p.asset ? this.text(b, p.asset, "asset") : market.split("-")[0]!,
        side,
        status,
        size,
        entryPrice: opt(p.entryPrice, "entryPrice"),
        collateralAsset: opt(p.collateralAsset, "collateralAsset"),
        collateralAmount: opt(p.collateralAmount, "collateralAmount"),
        liquidationPrice: opt(p.liquidationPrice, "liquidationPrice"),
        coordinates: undefined,
        chainTimeMs: ctx.slotTimeMs,
        observedAtMs: ctx.observedAtMs,
      };
      out.push({ kind: "position", value });
    }
    const q = this.opts.price;
    if (q) {
      const asset = this.text(b, q.asset, "asset");
      out.push({
        kind: "price",
        value: {
          eventId: p ? `${ctx.eventId}:price` : ctx.eventId,
          chainId: ctx.chainId,
          source: q.source ? this.text(b, q.source, "source") : `${this.name}:${asset}`,
          asset,
          price: this.text(b, q.price, "price"),
          coordinates: undefined,
          chainTimeMs: ctx.slotTimeMs,
          observedAtMs: ctx.observedAtMs,
        },
      });
    }
    return out;
  }
}
