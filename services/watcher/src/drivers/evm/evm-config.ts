import { fields, readYamlConfig } from "@breakwater/config";
import { z } from "zod";
import { mappingProblems } from "./adapters/mapped.js";

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address")
  .transform((a) => a.toLowerCase() as `0x${string}`);
const { venueId, assetId, name } = fields;

const fieldSource = z.union([
  z.object({ value: z.string() }).strict(),
  z
    .object({
      field: z.string().min(1),
      decimals: z.number().int().min(0).max(77).optional(),
      bytes32: z.boolean().optional(),
      map: z.record(z.string(), z.string()).optional(),
    })
    .strict(),
]);

const eventMapping = z
  .object({
    account: fieldSource,
    market: fieldSource,
    asset: fieldSource.optional(),
    side: fieldSource,
    size: fieldSource,
    status: fieldSource.optional(),
    entryPrice: fieldSource.optional(),
    collateralAsset: fieldSource.optional(),
    collateralAmount: fieldSource.optional(),
    liquidationPrice: fieldSource.optional(),
    option: z
      .object({
        kind: fieldSource,
        strike: fieldSource,
        expirySeconds: fieldSource,
        impliedVolatility: fieldSource.optional(),
        markPrice: fieldSource.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const adapterSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("perp-venue"),
      venueId,
      address,
      markets: z.record(z.string(), assetId).optional(),
      collateralAsset: assetId.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("chainlink"),
      /** The aggregator; with `proxy`, the one to start from (default: the proxy's aggregator()). */
      address: address.optional(),
      /** The feed's proxy, whose aggregator changes are followed. */
      proxy: address.optional(),
      asset: assetId,
      pair: name,
      decimals: z.number().int().min(0).max(36).optional(),
      heartbeatSeconds: z.number().positive(),
      readBounds: z.boolean().optional(),
    })
    .strict()
    .refine((cfg) => cfg.address !== undefined || cfg.proxy !== undefined, {
      message: "a chainlink feed needs its aggregator `address` or its `proxy`",
    }),
  z
    .object({
      kind: z.literal("sequencer-uptime"),
      address,
      gracePeriodSeconds: z.number().min(0).default(3600),
    })
    .strict(),
  z
    .object({
      kind: z.literal("aave-v3"),
      venueId,
      address,
      reserves: z.record(
        z.string().regex(/^0x[0-9a-fA-F]{40}$/, "reserve keys must be asset addresses"),
        z
          .object({
            symbol: assetId,
            decimals: z.number().int().min(0).max(36),
            aToken: address,
            debtToken: address,
            stableDebtToken: address.optional(),
          })
          .strict(),
      ),
      baseCurrencyDecimals: z.number().int().min(0).max(36).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("gmx-v2"),
      venueId,
      /** GMX v2's EventEmitter. */
      address,
      /** Market token address → the market followed. */
      markets: z.record(
        z.string().regex(/^0x[0-9a-fA-F]{40}$/, "market keys must be market token addresses"),
        z
          .object({
            name,
            asset: assetId,
            indexDecimals: z.number().int().min(0).max(36),
            minCollateralFactor: z.number().min(0).max(1).optional(),
          })
          .strict(),
      ),
      /** Collateral token address → symbol and decimals. */
      collateralTokens: z.record(
        z.string().regex(/^0x[0-9a-fA-F]{40}$/, "collateral token keys must be token addresses"),
        z.object({ symbol: assetId, decimals: z.number().int().min(0).max(36) }).strict(),
      ),
      minCollateralFactor: z.number().min(0).max(1).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("mapped"),
      venueId,
      address,
      abi: z.array(z.unknown()).min(1),
      events: z.record(z.string(), eventMapping),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      for (const problem of mappingProblems(cfg)) ctx.addIssue({ code: "custom", message: problem });
    }),
]);

const endpoint = z.union([
  z.url().transform((url) => ({ url })),
  z
    .object({
      url: z.url(),
      /** The same provider's websocket (ws:// or wss://): new heads are pushed instead of polled. */
      ws: z
        .url()
        .refine((u) => /^wss?:\/\//.test(u), "must be a ws:// or wss:// URL")
        .optional(),
      name: name.optional(),
      requestsPerSecond: z.number().positive().optional(),
      timeoutMs: z.number().int().positive().optional(),
    })
    .strict(),
]);

/** One EVM chain's watcher configuration file (YAML or JSON). */
export const evmChainSchema = z
  .object({
    /** EIP-155 chain id; every endpoint must report it. */
    chainId: z.number().int().positive(),
    rpc: z.array(endpoint).default([]),
    /** Blocks are processed this deep below the head (0-2 for fast L2s, more on L1). */
    confirmations: z.number().int().min(0).max(1000).default(2),
    /** How often the head is polled without a live websocket subscription. */
    pollMs: z.number().int().positive().default(1_000),
    /** With a live subscription, how often polling still cross-checks the head. */
    crossCheckMs: z.number().int().positive().default(5_000),
    /** A subscription that has not told of a head polling saw for this long is silent, and replaced. */
    headSilenceMs: z.number().int().positive().default(15_000),
    /** Recent blocks remembered for reorg handling; a deeper reorg is an alarm. */
    windowBlocks: z.number().int().min(4).max(10_000).default(128),
    /** Largest eth_getLogs range; halved on demand when a provider refuses. */
    maxLogRange: z.number().int().positive().default(2_000),
    /** More blocks than this behind: fetch logs by range (backfill) instead of block by block. */
    followRangeBlocks: z.number().int().min(1).default(8),
    /** An endpoint this many blocks behind the best is out of rotation. */
    maxHeadLagBlocks: z.number().int().min(1).default(20),
    requestTimeoutMs: z.number().int().positive().default(10_000),
    /** Where to start without a checkpoint: a block number, or "latest" (the confirmed head). */
    startBlock: z.union([z.number().int().min(0), z.literal("latest")]).default("latest"),
    /** How often oracle feeds are checked against their heartbeat. */
    feedCheckMs: z.number().int().positive().default(30_000),
    /** How long a reorg deeper than the window keeps the chain degraded. */
    deepReorgAlarmMs: z.number().int().positive().default(300_000),
    adapters: z.array(adapterSchema).default([]),
  })
  .strict();

export type EvmChainConfig = z.output<typeof evmChainSchema>;
export type EvmAdapterConfig = EvmChainConfig["adapters"][number];

/** Reads and validates an EVM chain file; returns every problem instead of throwing. */
export function loadEvmChainConfig(
  path: string,
): { ok: true; config: EvmChainConfig } | { ok: false; problems: string[] } {
  return readYamlConfig(evmChainSchema, path);
}
