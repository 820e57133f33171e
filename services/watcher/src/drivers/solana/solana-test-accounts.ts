// Test-only: accounts in the real on-chain layouts, encoded by an independent encoder
// (@coral-xyz/anchor's BorshAccountsCoder with the IDL the Pyth receiver package publishes),
// so a layout mistake in our decoders cannot be hidden by the same code on both sides.
import anchor from "@coral-xyz/anchor";
import { IDL as PYTH_RECEIVER_IDL } from "@pythnetwork/pyth-solana-receiver/idl/pyth_solana_receiver";
import { Keypair, PublicKey } from "@solana/web3.js";
import DRIFT_IDL from "./adapters/testdata/drift-idl-2.156.0.json" with { type: "json" };

// anchor is CommonJS: its named exports through the default import, under Node and vitest alike
const { BN, BorshAccountsCoder } = anchor;

const pythCoder = new BorshAccountsCoder(PYTH_RECEIVER_IDL as never);

export interface PriceUpdateSpec {
  readonly feedId: string;
  /** Integer price at `exponent`. */
  readonly price: bigint;
  readonly conf: bigint;
  readonly exponent: number;
  /** Unix seconds. */
  readonly publishTime: number;
  readonly postedSlot: number;
  /** Partial verification with this many signatures (default: full). */
  readonly partialSignatures?: number;
}

/**
 * A PriceUpdateV2 account's data, as the receiver program allocates it
 * (134 bytes: the Borsh encoding of a fully verified update is one shorter,
 * the rest is zero).
 */
export async function encodePriceUpdateV2(spec: PriceUpdateSpec): Promise<Uint8Array> {
  const encoded = await pythCoder.encode("priceUpdateV2", {
    writeAuthority: new PublicKey(new Uint8Array(32).fill(7)),
    verificationLevel:
      spec.partialSignatures === undefined
        ? { full: {} }
        : { partial: { numSignatures: spec.partialSignatures } },
    priceMessage: {
      feedId: [...Buffer.from(spec.feedId, "hex")],
      price: new BN(spec.price.toString()),
      conf: new BN(spec.conf.toString()),
      exponent: spec.exponent,
      publishTime: new BN(spec.publishTime),
      prevPublishTime: new BN(spec.publishTime - 1),
      emaPrice: new BN(spec.price.toString()),
      emaConf: new BN(spec.conf.toString()),
    },
    postedSlot: new BN(spec.postedSlot),
  });
  const data = new Uint8Array(134);
  data.set(encoded);
  return data;
}

/** A fresh random account address. */
export const newAddress = (): string => Keypair.generate().publicKey.toBase58();

/** A feed id: 32 bytes of hex from a short tag. */
export const feedIdOf = (tag: string): string => Buffer.from(tag.padEnd(32, "\0")).toString("hex");

// Drift: the published IDL's User, PerpMarket and SpotMarket with the types they use, taken
// unchanged from @drift-labs/sdk 2.156.0 (src/idl/drift.json). The SDK itself is not a
// dependency: it pulls gRPC, Yellowstone, Switchboard, Phoenix and native bankrun builds.

type IdlType = string | { array?: [IdlType, number]; defined?: string; option?: IdlType; vec?: IdlType };
interface IdlTypeDef {
  name: string;
  type:
    | { kind: "struct"; fields: { name: string; type: IdlType }[] }
    | { kind: "enum"; variants: { name: string }[] };
}
const driftTypes = new Map((DRIFT_IDL.types as unknown as IdlTypeDef[]).map((t) => [t.name, t]));
const driftCoder = new BorshAccountsCoder(DRIFT_IDL as never);

/**
 * Anchor 0.29's `encode` writes into a fixed 1000-byte buffer, too small for
 * Drift's accounts: the same coder's account layout encodes into one of the
 * account's size, behind anchor's own discriminator.
 */
function encodeDrift(name: string, value: unknown, size: number): Uint8Array {
  const layouts = (
    driftCoder as unknown as { accountLayouts: Map<string, { encode(v: unknown, b: Buffer): number }> }
  ).accountLayouts;
  const body = Buffer.alloc(size);
  const written = layouts.get(name)!.encode(value, body);
  return Uint8Array.from(
    Buffer.concat([BorshAccountsCoder.accountDiscriminator(name), body.subarray(0, written)]),
  );
}

const camel = (name: string) => name[0]!.toLowerCase() + name.slice(1);

/** The zero value of an IDL type, in the shapes anchor's coder takes. */
function zeroOf(t: IdlType): unknown {
  if (typeof t === "string") {
    if (t === "publicKey") return PublicKey.default;
    if (t === "bool") return false;
    if (/^[ui](64|128)$/.test(t)) return new BN(0);
    return 0;
  }
  if (t.array) return Array.from({ length: t.array[1] }, () => zeroOf(t.array![0]));
  if (t.defined) {
    const def = driftTypes.get(t.defined)!;
    if (def.type.kind === "enum") return { [camel(def.type.variants[0]!.name)]: {} };
    return Object.fromEntries(def.type.fields.map((f) => [f.name, zeroOf(f.type)]));
  }
  throw new Error(`no zero for ${JSON.stringify(t)}`);
}

function zeroAccount(name: string): Record<string, unknown> {
  const account = (DRIFT_IDL.accounts as unknown as IdlTypeDef[]).find((a) => a.name === name)!;
  if (account.type.kind !== "struct") throw new Error(name);
  return Object.fromEntries(account.type.fields.map((f) => [f.name, zeroOf(f.type)]));
}

const nameBytes = (name: string) => [...Buffer.from(name.padEnd(32, " "))];
const bn = (v: bigint | number) => new BN(v.toString());

export interface PerpMarketSpec {
  readonly marketIndex: number;
  readonly name: string;
  /** Price × 10⁶. */
  readonly oraclePrice: bigint;
  /** × 10⁴ */
  readonly marginRatioInitial: number;
  readonly marginRatioMaintenance: number;
}

export async function encodeDriftPerpMarket(spec: PerpMarketSpec): Promise<Uint8Array> {
  const m = zeroAccount("PerpMarket");
  const amm = m["amm"] as Record<string, unknown>;
  (amm["historicalOracleData"] as Record<string, unknown>)["lastOraclePrice"] = bn(spec.oraclePrice);
  amm["lastOracleNormalisedPrice"] = bn(spec.oraclePrice + 1n); // a neighbour, to catch an off-by-field read
  m["name"] = nameBytes(spec.name);
  m["marketIndex"] = spec.marketIndex;
  m["marginRatioInitial"] = spec.marginRatioInitial;
  m["marginRatioMaintenance"] = spec.marginRatioMaintenance;
  m["imfFactor"] = 77;
  m["numberOfUsers"] = 12;
  return encodeDrift("PerpMarket", m, 2048);
}

export interface SpotMarketSpec {
  readonly marketIndex: number;
  readonly name: string;
  readonly decimals: number;
  readonly oraclePrice: bigint;
  readonly cumulativeDepositInterest: bigint;
  readonly cumulativeBorrowInterest: bigint;
  readonly maintenanceAssetWeight: number;
  readonly maintenanceLiabilityWeight: number;
}

export async function encodeDriftSpotMarket(spec: SpotMarketSpec): Promise<Uint8Array> {
  const m = zeroAccount("SpotMarket");
  (m["historicalOracleData"] as Record<string, unknown>)["lastOraclePrice"] = bn(spec.oraclePrice);
  m["name"] = nameBytes(spec.name);
  m["marketIndex"] = spec.marketIndex;
  m["decimals"] = spec.decimals;
  m["cumulativeDepositInterest"] = bn(spec.cumulativeDepositInterest);
  m["cumulativeBorrowInterest"] = bn(spec.cumulativeBorrowInterest);
  m["maintenanceAssetWeight"] = spec.maintenanceAssetWeight;
  m["maintenanceLiabilityWeight"] = spec.maintenanceLiabilityWeight;
  m["initialAssetWeight"] = spec.maintenanceAssetWeight - 1;
  m["initialLiabilityWeight"] = spec.maintenanceLiabilityWeight + 1;
  return encodeDrift("SpotMarket", m, 2048);
}

export interface UserSpec {
  readonly authority: string;
  readonly subAccountId?: number;
  readonly perps: readonly {
    readonly slot?: number;
    readonly marketIndex: number;
    readonly base: bigint;
    readonly quote: bigint;
    readonly quoteEntry: bigint;
    readonly quoteBreakEven: bigint;
  }[];
  readonly spots: readonly {
    readonly slot?: number;
    readonly marketIndex: number;
    readonly scaledBalance: bigint;
    readonly borrow?: boolean;
  }[];
}

export async function encodeDriftUser(spec: UserSpec): Promise<Uint8Array> {
  const u = zeroAccount("User");
  u["authority"] = new PublicKey(spec.authority);
  u["delegate"] = new PublicKey(new Uint8Array(32).fill(9));
  u["subAccountId"] = spec.subAccountId ?? 0;
  u["name"] = nameBytes("Main Account");
  const perps = u["perpPositions"] as Record<string, unknown>[];
  spec.perps.forEach((p, i) => {
    const target = perps[p.slot ?? i]!;
    Object.assign(target, {
      marketIndex: p.marketIndex,
      baseAssetAmount: bn(p.base),
      quoteAssetAmount: bn(p.quote),
      quoteEntryAmount: bn(p.quoteEntry),
      quoteBreakEvenAmount: bn(p.quoteBreakEven),
      lastCumulativeFundingRate: bn(123),
      openOrders: 1,
    });
  });
  const spots = u["spotPositions"] as Record<string, unknown>[];
  spec.spots.forEach((s, i) => {
    Object.assign(spots[s.slot ?? i]!, {
      marketIndex: s.marketIndex,
      scaledBalance: bn(s.scaledBalance),
      balanceType: s.borrow ? { borrow: {} } : { deposit: {} },
      cumulativeDeposits: bn(5),
    });
  });
  return encodeDrift("User", u, 8192);
}
