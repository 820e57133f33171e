import { PositionSide, PositionStatus } from "@breakwater/proto";
import anchor from "@coral-xyz/anchor";
import { PublicKey } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { solanaClusterSchema } from "../solana-config.js";
import { newAddress } from "../solana-test-accounts.js";
import { type AccountContext, AccountDecodeError } from "./account-adapter.js";
import { FixedLayoutAdapter } from "./fixed-layout.js";

// anchor is CommonJS: its named exports through the default import, under Node and vitest alike
const { BN, BorshAccountsCoder } = anchor;

// The accounts are encoded by @coral-xyz/anchor's BorshAccountsCoder from an IDL of the layout,
// not by our code: discriminator (8) | owner pubkey (32) | side u8 | size u64 | entry u64 | market [u8;16] | mark i64
const IDL = {
  version: "0.1.0",
  name: "vault",
  instructions: [],
  accounts: [
    {
      name: "Vault",
      type: {
        kind: "struct",
        fields: [
          { name: "owner", type: "publicKey" },
          { name: "side", type: "u8" },
          { name: "size", type: "u64" },
          { name: "entry", type: "u64" },
          { name: "market", type: { array: ["u8", 16] } },
          { name: "mark", type: "i64" },
        ],
      },
    },
  ],
};
const coder = new BorshAccountsCoder(IDL as never);
const DISCRIMINATOR = BorshAccountsCoder.accountDiscriminator("Vault").toString("hex");
const SIZE = 8 + 32 + 1 + 8 + 8 + 16 + 8;

const encode = (owner: string, side: number, size: bigint, entry: bigint, market: string, mark: bigint) =>
  coder.encode("Vault", {
    owner: new PublicKey(owner),
    side,
    size: new BN(size.toString()),
    entry: new BN(entry.toString()),
    market: [...Buffer.from(market.padEnd(16, "\0"))],
    mark: new BN(mark.toString()),
  });

const config = solanaClusterSchema.parse({
  cluster: "localnet",
  adapters: [
    {
      kind: "fixed-layout",
      name: "vaults",
      venueId: "vault-sol",
      programId: "11111111111111111111111111111111",
      dataSize: SIZE,
      discriminator: DISCRIMINATOR,
      position: {
        account: { offset: 8, type: "pubkey" },
        side: { offset: 40, type: "u8", map: { "0": "LONG", "1": "SHORT" } },
        size: { offset: 41, type: "u64", decimals: 9 },
        entryPrice: { offset: 49, type: "u64", decimals: 6 },
        market: { offset: 57, type: "string", length: 16 },
        collateralAsset: { value: "USDC" },
      },
      price: { asset: { value: "SOL" }, price: { offset: 73, type: "i64", decimals: 6 } },
    },
  ],
});
const adapter = new FixedLayoutAdapter(config.adapters[0] as never);
const ctx: AccountContext = {
  chainId: "sol-x",
  slot: 9,
  slotTimeMs: 1_000,
  observedAtMs: 2_000,
  eventId: "sol-x:9:a:h",
};

describe("fixed-layout adapter", () => {
  it("default: an account becomes the configured position and price, fields scaled and mapped", async () => {
    const owner = newAddress();
    const events = adapter.decode(
      0,
      "acct",
      await encode(owner, 1, 2_500_000_000n, 142_250_000n, "SOL-PERP", 141_000_000n),
      ctx,
    );
    expect(events[0]).toEqual({
      kind: "position",
      value: expect.objectContaining({
        eventId: "sol-x:9:a:h",
        venueId: "vault-sol",
        account: owner,
        market: "SOL-PERP",
        asset: "SOL",
        side: PositionSide.POSITION_SIDE_SHORT,
        status: PositionStatus.POSITION_STATUS_OPEN,
        size: "2.5",
        entryPrice: "142.25",
        collateralAsset: "USDC",
      }),
    });
    expect(events[1]).toEqual({
      kind: "price",
      value: expect.objectContaining({
        eventId: "sol-x:9:a:h:price",
        source: "vaults:SOL",
        asset: "SOL",
        price: "141",
      }),
    });
    expect(adapter.queries[0]!.filters).toEqual([
      { dataSize: SIZE },
      { memcmp: { offset: 0, bytes: expect.any(String) } },
    ]);
  });

  it("behavior: a zero size is CLOSED; an unmapped side is rejected as out_of_range", async () => {
    const closed = adapter.decode(0, "acct", await encode(newAddress(), 0, 0n, 0n, "SOL-PERP", 1n), ctx);
    expect(closed[0]!.value).toMatchObject({ status: PositionStatus.POSITION_STATUS_CLOSED, size: "0" });
    const bad = await encode(newAddress(), 7, 1n, 1n, "SOL-PERP", 1n);
    expect(() => adapter.decode(0, "acct", bad, ctx)).toThrow(AccountDecodeError);
  });

  it("failure: the config refuses a field past the account's size and a layout with nothing to publish", () => {
    const base = {
      kind: "fixed-layout",
      name: "v",
      venueId: "v",
      programId: "11111111111111111111111111111111",
      dataSize: 16,
    };
    const bad = solanaClusterSchema.safeParse({
      cluster: "c",
      adapters: [{ ...base, price: { asset: { value: "SOL" }, price: { offset: 12, type: "u64" } } }],
    });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toMatch(/offset 12 \+ 8 bytes is past dataSize 16/);
    const empty = solanaClusterSchema.safeParse({ cluster: "c", adapters: [base] });
    expect(JSON.stringify(empty.error?.issues)).toMatch(/needs a position or a price layout/);
  });
});
