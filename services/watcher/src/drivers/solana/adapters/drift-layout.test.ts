import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  encodeDriftPerpMarket,
  encodeDriftSpotMarket,
  encodeDriftUser,
  newAddress,
} from "../solana-test-accounts.js";
import { AccountDecodeError } from "./account-adapter.js";
import {
  DRIFT_ACCOUNT_SIZE,
  decodeDriftPerpMarket,
  decodeDriftSpotMarket,
  decodeDriftUser,
  spotTokenAmount,
} from "./drift-layout.js";

// Accounts are encoded by @coral-xyz/anchor's BorshAccountsCoder with Drift's published IDL
// (testdata/drift-idl-2.156.0.json, from @drift-labs/sdk), not by our code.
const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

describe("Drift account layouts", () => {
  it("default: the encoded sizes are the on-chain account sizes", async () => {
    const user = await encodeDriftUser({ authority: newAddress(), perps: [], spots: [] });
    const perp = await encodeDriftPerpMarket({
      marketIndex: 0,
      name: "SOL-PERP",
      oraclePrice: 1n,
      marginRatioInitial: 1000,
      marginRatioMaintenance: 500,
    });
    expect([user.length, perp.length]).toEqual([DRIFT_ACCOUNT_SIZE.User, DRIFT_ACCOUNT_SIZE.PerpMarket]);
  });

  it("default: User perp and spot positions decode at every one of the 8 slots", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 65535 }),
        i64.filter((b) => b !== 0n),
        i64,
        i64,
        i64,
        fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
        fc.boolean(),
        fc.integer({ min: 0, max: 65535 }),
        async (
          perpSlot,
          spotSlot,
          marketIndex,
          base,
          quote,
          quoteEntry,
          quoteBreakEven,
          scaledBalance,
          borrow,
          sub,
        ) => {
          const authority = newAddress();
          const data = await encodeDriftUser({
            authority,
            subAccountId: sub,
            perps: [{ slot: perpSlot, marketIndex, base, quote, quoteEntry, quoteBreakEven }],
            spots: [{ slot: spotSlot, marketIndex: marketIndex ^ 1, scaledBalance, borrow }],
          });
          expect(decodeDriftUser("u", data)).toEqual({
            authority,
            subAccountId: sub,
            perpPositions: [
              {
                marketIndex,
                baseAssetAmount: base,
                quoteAssetAmount: quote,
                quoteEntryAmount: quoteEntry,
                quoteBreakEvenAmount: quoteBreakEven,
              },
            ],
            spotPositions: [
              { marketIndex: marketIndex ^ 1, scaledBalance, side: borrow ? "borrow" : "deposit" },
            ],
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("default: PerpMarket and SpotMarket fields decode", async () => {
    const perp = await encodeDriftPerpMarket({
      marketIndex: 3,
      name: "SOL-PERP",
      oraclePrice: 142_500_000n,
      marginRatioInitial: 1000,
      marginRatioMaintenance: 500,
    });
    expect(decodeDriftPerpMarket("m", perp)).toEqual({
      marketIndex: 3,
      name: "SOL-PERP",
      lastOraclePrice: 142_500_000n,
      marginRatioInitial: 1000,
      marginRatioMaintenance: 500,
    });
    const spot = await encodeDriftSpotMarket({
      marketIndex: 1,
      name: "SOL",
      decimals: 9,
      oraclePrice: 142_500_000n,
      cumulativeDepositInterest: 10_500_000_000n,
      cumulativeBorrowInterest: 11_000_000_000n,
      maintenanceAssetWeight: 9000,
      maintenanceLiabilityWeight: 11000,
    });
    const m = decodeDriftSpotMarket("s", spot);
    expect(m).toEqual({
      marketIndex: 1,
      name: "SOL",
      decimals: 9,
      lastOraclePrice: 142_500_000n,
      cumulativeDepositInterest: 10_500_000_000n,
      cumulativeBorrowInterest: 11_000_000_000n,
      maintenanceAssetWeight: 9000,
      maintenanceLiabilityWeight: 11000,
    });
    // 2 SOL scaled at 1e9, with deposit interest 1.05: 2.1 SOL = 2_100_000_000 lamports
    expect(spotTokenAmount({ marketIndex: 1, scaledBalance: 2_000_000_000n, side: "deposit" }, m)).toBe(
      2_100_000_000n,
    );
  });

  it("failure: another account type or a short account is malformed", async () => {
    const perp = await encodeDriftPerpMarket({
      marketIndex: 0,
      name: "SOL-PERP",
      oraclePrice: 1n,
      marginRatioInitial: 1000,
      marginRatioMaintenance: 500,
    });
    expect(() => decodeDriftUser("x", perp)).toThrow(AccountDecodeError);
    expect(() => decodeDriftPerpMarket("x", perp.subarray(0, 1000))).toThrow(/1000 bytes, expected 1216/);
  });
});
