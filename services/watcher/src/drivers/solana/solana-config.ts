import { readFileSync } from "node:fs";
import { fields } from "@breakwater/config";
import { PublicKey } from "@solana/web3.js";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

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
    })
    .strict(),
]);

const endpoint = z.union([
  z.url().transform((url) => ({ url })),
  z
    .object({
      url: z.url(),
      name: name.optional(),
      requestsPerSecond: z.number().positive().optional(),
      timeoutMs: z.number().int().positive().optional(),
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
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, "utf8"));
  } catch (err) {
    return { ok: false, problems: [`cannot read ${path}: ${(err as Error).message.split("\n")[0]}`] };
  }
  const parsed = solanaClusterSchema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${path}: ${i.path.join(".") || "(root)"}: ${i.message}`),
    };
  return { ok: true, config: parsed.data };
}
