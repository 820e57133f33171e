import { fields, readYamlConfig } from "@breakwater/config";
import { PublicKey } from "@solana/web3.js";
import { z } from "zod";
import { FIELD_TYPES, type FieldType, fieldSize, type LayoutField } from "./adapters/fixed-layout.js";

const { assetId, name, venueId } = fields;

const programId = z.string().refine(
  (v) => {
    try {
      return new PublicKey(v).toBase58() === v;
    } catch {
      return false;
    }
  },
  { message: "must be a base58 public key" },
);

const layoutField = z.union([
  z.object({ value: z.string() }).strict(),
  z
    .object({
      offset: z.number().int().min(0),
      type: z.enum(Object.keys(FIELD_TYPES) as [FieldType, ...FieldType[]]),
      length: z.number().int().positive().optional(),
      decimals: z.number().int().min(0).max(77).optional(),
      map: z.record(z.string(), z.string()).optional(),
    })
    .strict()
    .refine((f) => (f.type === "string") === (f.length !== undefined), {
      message: "`length` is required for, and only for, type string",
    }),
]);

const positionLayout = z
  .object({
    account: layoutField,
    market: layoutField,
    asset: layoutField.optional(),
    side: layoutField,
    size: layoutField,
    status: layoutField.optional(),
    entryPrice: layoutField.optional(),
    collateralAsset: layoutField.optional(),
    collateralAmount: layoutField.optional(),
    liquidationPrice: layoutField.optional(),
  })
  .strict();

const priceLayout = z
  .object({ asset: layoutField, price: layoutField, source: layoutField.optional() })
  .strict();

/** Fields of a layout that reach past the account's size. */
function layoutProblems(
  dataSize: number,
  layouts: Record<string, Record<string, LayoutField | undefined> | undefined>,
) {
  const problems: string[] = [];
  for (const [layout, fieldsOf] of Object.entries(layouts))
    for (const [key, f] of Object.entries(fieldsOf ?? {}))
      if (f && "offset" in f && f.offset + fieldSize(f) > dataSize)
        problems.push(
          `${layout}.${key}: offset ${f.offset} + ${fieldSize(f)} bytes is past dataSize ${dataSize}`,
        );
  return problems;
}

const adapterSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("pyth"),
      programId: programId.optional(),
      /** Feeds by feed id (64 hex digits, optionally 0x-prefixed). */
      feeds: z.record(
        z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, "feed ids are 32 bytes of hex"),
        z.object({ asset: assetId, source: name.optional() }).strict(),
      ),
      maxAgeSeconds: z.number().positive().default(60),
      maxAgeSlots: z.number().int().positive().default(120),
      maxConfidenceRatio: z.number().positive().max(1).default(0.02),
      allowPartialVerification: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      kind: z.literal("drift"),
      venueId,
      programId: programId.optional(),
      /** Asset of each perp market by index (default: its name without "-PERP"). */
      perpAssets: z.record(z.string().regex(/^\d+$/, "keys are market indexes"), assetId).optional(),
      /** Asset of each spot market by index (default: its name). */
      spotAssets: z.record(z.string().regex(/^\d+$/, "keys are market indexes"), assetId).optional(),
      quoteSpotMarketIndex: z.number().int().min(0).max(65535).default(0),
      /** Read User accounts in 256 parts by the authority's first byte. */
      partitionUsers: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      kind: z.literal("fixed-layout"),
      name,
      venueId,
      programId,
      dataSize: z.number().int().positive().max(10_485_760),
      discriminator: z
        .string()
        .regex(/^([0-9a-fA-F]{2}){1,32}$/, "hex bytes")
        .optional(),
      position: positionLayout.optional(),
      price: priceLayout.optional(),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      if (!cfg.position && !cfg.price)
        ctx.addIssue({ code: "custom", message: "needs a position or a price layout" });
      for (const message of layoutProblems(cfg.dataSize, { position: cfg.position, price: cfg.price }))
        ctx.addIssue({ code: "custom", message });
    }),
]);

const endpoint = z.union([
  z.url().transform((url) => ({ url })),
  z
    .object({
      url: z.url(),
      name: name.optional(),
      requestsPerSecond: z.number().positive().optional(),
      timeoutMs: z.number().int().positive().optional(),
      /** The endpoint's websocket: account changes wake a read at once (polling goes on). */
      wsUrl: z.url({ protocol: /^wss?$/ }).optional(),
    })
    .strict(),
]);

/** One Solana cluster's watcher configuration file (YAML or JSON). */
export const solanaClusterSchema = z
  .object({
    /** The cluster's name (mainnet-beta, devnet, …): a checkpoint of another cluster is refused. */
    cluster: name,
    rpc: z.array(endpoint).default([]),
    /**
     * `confirmed` (a supermajority voted on the slot: fast, and a rollback is
     * rare but possible) or `finalized` (rooted, ~32 slots later: no rollback).
     * `processed` is refused: its slots are rolled back routinely.
     */
    commitment: z.enum(["confirmed", "finalized"]).default("confirmed"),
    pollMs: z.number().int().positive().default(1_000),
    /**
     * Subscribe to program accounts over each endpoint's websocket (its
     * `wsUrl`, else its URL with ws/wss), so a change is read at once;
     * polling every `pollMs` goes on beside it.
     */
    subscribe: z.boolean().default(false),
    requestTimeoutMs: z.number().int().positive().default(10_000),
    /** An endpoint this many slots behind the best is out of rotation. */
    maxSlotLag: z.number().int().min(1).default(150),
    /** Slots of published changes remembered for rollback correction. */
    windowSlots: z.number().int().min(4).max(100_000).default(512),
    adapters: z.array(adapterSchema).default([]),
  })
  .strict();

export type SolanaClusterConfig = z.output<typeof solanaClusterSchema>;
export type SolanaAdapterConfig = SolanaClusterConfig["adapters"][number];

/** Reads and validates a Solana cluster file; returns every problem instead of throwing. */
export function loadSolanaClusterConfig(
  path: string,
): { ok: true; config: SolanaClusterConfig } | { ok: false; problems: string[] } {
  return readYamlConfig(solanaClusterSchema, path);
}
