// Test-only: accounts in the real on-chain layouts, encoded by an independent encoder
// (@coral-xyz/anchor's BorshAccountsCoder with the IDL the Pyth receiver package publishes),
// so a layout mistake in our decoders cannot be hidden by the same code on both sides.
import { BN, BorshAccountsCoder } from "@coral-xyz/anchor";
import { IDL as PYTH_RECEIVER_IDL } from "@pythnetwork/pyth-solana-receiver/idl/pyth_solana_receiver";
import { Keypair, PublicKey } from "@solana/web3.js";

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
