import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodePriceUpdateV2, feedIdOf, newAddress } from "../solana-test-accounts.js";
import { type AccountContext, AccountDecodeError } from "./account-adapter.js";
import { decodePriceUpdateV2, PythPriceUpdateAdapter } from "./pyth-price-update.js";

// Accounts are encoded by @coral-xyz/anchor with the Pyth receiver's published IDL, not by our code.
const SOL = feedIdOf("SOL/USD");
const NOW_S = 1_760_000_000;

const ctx = (over: Partial<AccountContext> = {}): AccountContext => ({
  chainId: "solana-test",
  slot: 5_000,
  slotTimeMs: NOW_S * 1000,
  observedAtMs: NOW_S * 1000,
  eventId: "solana-test:5000:acct:hash",
  ...over,
});

const adapter = new PythPriceUpdateAdapter({
  feeds: { [SOL]: { asset: "SOL" } },
  maxAgeSeconds: 60,
  maxAgeSlots: 120,
  maxConfidenceRatio: 0.02,
});

const fresh = {
  feedId: SOL,
  price: 14_250_000_000n,
  conf: 10_000_000n,
  exponent: -8,
  publishTime: NOW_S - 2,
  postedSlot: 4_990,
};

const rejection = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof AccountDecodeError) return err.kind;
    throw err;
  }
};

describe("Pyth PriceUpdateV2 decoding", () => {
  it("default: decodes every field of an anchor-encoded account, for both verification levels", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.integer({ min: -18, max: 4 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.option(fc.integer({ min: 0, max: 19 }), { nil: undefined }),
        async (price, conf, exponent, publishTime, postedSlot, partialSignatures) => {
          const data = await encodePriceUpdateV2({
            feedId: SOL,
            price,
            conf,
            exponent,
            publishTime,
            postedSlot,
            ...(partialSignatures === undefined ? {} : { partialSignatures }),
          });
          const u = decodePriceUpdateV2("acct", data);
          expect(u).toMatchObject({ feedId: SOL, price, conf, exponent, publishTime: BigInt(publishTime) });
          expect(u.postedSlot).toBe(BigInt(postedSlot));
          expect(u.verification).toEqual(
            partialSignatures === undefined
              ? { level: "full" }
              : { level: "partial", signatures: partialSignatures },
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("default: a fresh, tight price becomes one tick with the exact decimal price and publish time", async () => {
    const events = adapter.decode(0, newAddress(), await encodePriceUpdateV2(fresh), ctx());
    expect(events).toEqual([
      {
        kind: "price",
        value: expect.objectContaining({
          source: "pyth:SOL",
          asset: "SOL",
          price: "142.5",
          chainTimeMs: (NOW_S - 2) * 1000,
        }),
      },
    ]);
  });

  it("behavior: updates of feeds not configured are ignored", async () => {
    const data = await encodePriceUpdateV2({ ...fresh, feedId: feedIdOf("BTC/USD") });
    expect(adapter.decode(0, newAddress(), data, ctx())).toEqual([]);
  });

  it("failure: stale by publish time, stale by posted slot, wide confidence, partial verification, not an update", async () => {
    const decode = async (over: Partial<typeof fresh> & { partialSignatures?: number }) => {
      const data = await encodePriceUpdateV2({ ...fresh, ...over });
      return rejection(() => adapter.decode(0, "acct", data, ctx()));
    };
    expect(await decode({ publishTime: NOW_S - 61 })).toBe("stale");
    expect(await decode({ publishTime: NOW_S - 59 })).toBeUndefined();
    expect(await decode({ postedSlot: 5_000 - 121 })).toBe("stale");
    expect(await decode({ postedSlot: 5_000 - 120 })).toBeUndefined();
    // 2% of 142.5 is 2.85: 2.86 is too wide, 2.85 is not
    expect(await decode({ conf: 286_000_000n })).toBe("wide_confidence");
    expect(await decode({ conf: 285_000_000n })).toBeUndefined();
    expect(await decode({ partialSignatures: 5 })).toBe("partial_verification");
    expect(await decode({ price: 0n })).toBe("out_of_range");
    const data = await encodePriceUpdateV2(fresh);
    expect(rejection(() => adapter.decode(0, "acct", data.subarray(0, 60), ctx()))).toBe("malformed");
    data[0] = data[0]! ^ 0xff;
    expect(rejection(() => adapter.decode(0, "acct", data, ctx()))).toBe("malformed");
  });
});
