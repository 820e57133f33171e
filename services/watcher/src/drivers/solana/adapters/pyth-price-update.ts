import { formatUnits } from "@breakwater/core";
import type { BlockEvent } from "../../../chain-driver.js";
import {
  type AccountAdapter,
  type AccountContext,
  AccountDecodeError,
  type AccountQuery,
} from "./account-adapter.js";
import { AccountBytes } from "./account-bytes.js";
import { accountDiscriminator, base58 } from "./anchor-discriminator.js";

/** The Pyth Solana receiver's program id (mainnet and devnet). */
export const PYTH_RECEIVER_PROGRAM = "rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ";

/** A PriceUpdateV2 account's price message, as the receiver's IDL lays it out. */
export interface PriceUpdateV2 {
  readonly writeAuthority: string;
  /** "full" (guardian quorum) or "partial" with the signatures checked. */
  readonly verification:
    | { readonly level: "full" }
    | { readonly level: "partial"; readonly signatures: number };
  readonly feedId: string;
  readonly price: bigint;
  readonly conf: bigint;
  readonly exponent: number;
  /** Unix seconds. */
  readonly publishTime: bigint;
  readonly postedSlot: bigint;
}

const DISCRIMINATOR = accountDiscriminator("PriceUpdateV2");

/**
 * Decodes a PriceUpdateV2 account: discriminator, write authority, the
 * verification level (a Borsh enum: Partial carries one byte), the price feed
 * message and the posted slot. Throws AccountDecodeError("malformed").
 */
export function decodePriceUpdateV2(pubkey: string, data: Uint8Array): PriceUpdateV2 {
  const b = new AccountBytes(data, pubkey);
  if (!b.startsWith(DISCRIMINATOR))
    throw new AccountDecodeError("malformed", pubkey, "not a PriceUpdateV2 account (discriminator)");
  const writeAuthority = b.pubkey(8);
  const tag = b.u8(40);
  let at: number;
  let verification: PriceUpdateV2["verification"];
  if (tag === 0) {
    verification = { level: "partial", signatures: b.u8(41) };
    at = 42;
  } else if (tag === 1) {
    verification = { level: "full" };
    at = 41;
  } else throw new AccountDecodeError("malformed", pubkey, `unknown verification level ${tag}`);
  return {
    writeAuthority,
    verification,
    feedId: Buffer.from(b.bytes(at, 32)).toString("hex"),
    price: b.i64(at + 32),
    conf: b.u64(at + 40),
    exponent: b.i32(at + 48),
    publishTime: b.i64(at + 52),
    // prevPublishTime, emaPrice, emaConf: at + 60, 68, 76
    postedSlot: b.u64(at + 84),
  };
}

/** One feed the adapter publishes. */
export interface PythFeed {
  readonly asset: string;
  /** Price source name (default `pyth:<asset>`). */
  readonly source?: string | undefined;
}

export interface PythPriceUpdateOptions {
  readonly programId?: string | undefined;
  /** Feeds by feed id (64 hex digits); updates of other feeds are ignored. */
  readonly feeds: Readonly<Record<string, PythFeed>>;
  /** A publish time older than this against the slot's time is stale (Pyth's common bound: 60 s). */
  readonly maxAgeSeconds: number;
  /** A posted slot older than this against the read slot is stale (Drift: 120 slots). */
  readonly maxAgeSlots: number;
  /** A confidence interval wider than this share of the price is rejected (Drift: 0.02). */
  readonly maxConfidenceRatio: number;
  /** Accept updates verified by fewer guardians than the quorum (default false). */
  readonly allowPartialVerification?: boolean | undefined;
}

/** The scaled decimal of `value × 10^exponent`. */
function scaled(value: bigint, exponent: number): string {
  return exponent <= 0 ? formatUnits(value, -exponent) : (value * 10n ** BigInt(exponent)).toString();
}

/**
 * Pyth prices from the receiver's PriceUpdateV2 accounts: one price tick per
 * update of a configured feed, unless the update is stale (by publish time or
 * by posted slot), its confidence is too wide, or it is only partially
 * verified; each of those is an AccountDecodeError with its reason.
 */
export class PythPriceUpdateAdapter implements AccountAdapter {
  readonly name = "pyth";
  readonly queries: readonly AccountQuery[];
  private readonly feeds: ReadonlyMap<string, PythFeed>;

  constructor(private readonly opts: PythPriceUpdateOptions) {
    this.feeds = new Map(
      Object.entries(opts.feeds).map(([id, f]) => [id.toLowerCase().replace(/^0x/, ""), f]),
    );
    this.queries = [
      {
        programId: opts.programId ?? PYTH_RECEIVER_PROGRAM,
        filters: [{ memcmp: { offset: 0, bytes: base58(DISCRIMINATOR) } }],
      },
    ];
  }

  decode(_query: number, pubkey: string, data: Uint8Array, ctx: AccountContext): BlockEvent[] {
    const u = decodePriceUpdateV2(pubkey, data);
    const feed = this.feeds.get(u.feedId);
    if (!feed) return [];
    if (u.verification.level === "partial" && !this.opts.allowPartialVerification)
      throw new AccountDecodeError(
        "partial_verification",
        pubkey,
        `feed ${u.feedId}: verified by ${u.verification.signatures} guardians only`,
      );
    if (u.price <= 0n)
      throw new AccountDecodeError("out_of_range", pubkey, `feed ${u.feedId}: price ${u.price}`);
    const ageSeconds = ctx.slotTimeMs / 1000 - Number(u.publishTime);
    if (ageSeconds > this.opts.maxAgeSeconds)
      throw new AccountDecodeError(
        "stale",
        pubkey,
        `feed ${u.feedId}: published ${ageSeconds.toFixed(0)}s before slot ${ctx.slot} (bound ${this.opts.maxAgeSeconds}s)`,
      );
    const ageSlots = ctx.slot - Number(u.postedSlot);
    if (ageSlots > this.opts.maxAgeSlots)
      throw new AccountDecodeError(
        "stale",
        pubkey,
        `feed ${u.feedId}: posted ${ageSlots} slots before slot ${ctx.slot} (bound ${this.opts.maxAgeSlots})`,
      );
    // conf / price > ratio, compared in integers scaled by 1e9 (no float on the amounts)
    const ratioE9 = BigInt(Math.round(this.opts.maxConfidenceRatio * 1e9));
    if (u.conf * 1_000_000_000n > u.price * ratioE9)
      throw new AccountDecodeError(
        "wide_confidence",
        pubkey,
        `feed ${u.feedId}: confidence ${scaled(u.conf, u.exponent)} exceeds ${this.opts.maxConfidenceRatio} of price ${scaled(u.price, u.exponent)}`,
      );
    return [
      {
        kind: "price",
        value: {
          eventId: ctx.eventId,
          chainId: ctx.chainId,
          source: feed.source ?? `pyth:${feed.asset}`,
          asset: feed.asset,
          price: scaled(u.price, u.exponent),
          coordinates: undefined,
          chainTimeMs: Number(u.publishTime) * 1000,
          observedAtMs: ctx.observedAtMs,
        },
      },
    ];
  }
}
