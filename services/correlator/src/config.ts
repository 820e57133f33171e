import { checkNatsSettings, fields, loadConfig, NATS_ENV, natsFields } from "@breakwater/config";
import { RISKMETRICS_HALF_LIFE_MS } from "@breakwater/core";
import { z } from "zod";

/**
 * Revisions kept per position for reorg retractions: enough to undo a reorg
 * of 5 confirmed blocks even when a position changed in every one of them,
 * and it keeps the worst case (every position at the limit) under 1 KiB per
 * position (see `make bench`).
 */
export const DEFAULT_MAX_REVISIONS = 5;

/** The correlator's settings. Unknown keys in a config file are rejected. */
const correlatorConfigObject = z.strictObject({
  ...natsFields,
  httpHost: fields.host,
  /** /metrics, /healthz, /readyz and the researcher API; 0 = any free port. */
  httpPort: fields.port.default(9102),
  grpcHost: fields.host,
  /** ExposureService; 0 = any free port. */
  grpcPort: fields.port.default(50052),
  /** The gRPC server's certificate and key, and the CA client certificates must chain to: mutual TLS only. Required. */
  tlsCertFile: fields.tlsFile("the gRPC server's certificate file", "BW_TLS_CERT_FILE"),
  tlsKeyFile: fields.tlsFile("the gRPC server's private key file", "BW_TLS_KEY_FILE"),
  tlsCaFile: fields.tlsFile("the CA bundle for client certificates", "BW_TLS_CA_FILE"),
  /** How often the TLS files are re-read. */
  tlsRefreshMs: fields.durationMs.default(10_000),
  trustDomain: fields.trustDomain,
  logLevel: fields.logLevel,
  /** A chain with no heartbeat for longer than this is stale. */
  staleAfterMs: fields.durationMs.default(5_000),
  /** How often an ExposureSnapshot is published to the history stream. */
  snapshotIntervalMs: fields.durationMs.default(10_000),
  /** A (chain, source) price is fresh when at most this much older (chain time) than the asset's newest tick. */
  priceFreshMs: fields.durationMs.default(30_000),
  /**
   * A (chain, source) price is stale when its tick is more than this older than
   * the correlator's chain clock (the newest chain time of any chain event,
   * heartbeats included, each capped at its stored time), even as the asset's
   * only source. Default 65 min:
   * Chainlink's common one-hour heartbeat plus margin.
   */
  priceMaxAgeMs: fields.durationMs.default(3_900_000),
  /**
   * Memory of the EWMA volatility and correlation, in time (unset: RiskMetrics'
   * daily λ 0.94, a half-life of about 11.2 days), whatever `volSampleMs` is.
   */
  ewmaHalfLifeMs: fields.durationMs.optional(),
  /** The same memory given as a daily λ (RiskMetrics: 0.94); not with `ewmaHalfLifeMs`. */
  ewmaLambda: z.coerce.number().gt(0).lt(1).optional(),
  /** Reference prices are sampled for returns on this chain-time grid. */
  volSampleMs: fields.durationMs.default(60_000),
  /** Volatilities are reported over this horizon. */
  volHorizonMs: fields.durationMs.default(86_400_000),
  /** Assessments report ladder pressure vs depth for a move of this many basis points. */
  ladderMoveBps: z.coerce.number().int().min(1).max(5_000).default(500),
  /** The ladder behind assessments is recomputed at most this often. */
  ladderMaxAgeMs: z.coerce.number().int().min(0).default(1_000),
  /** Past revisions kept per position so a reorg retraction restores the one before (memory grows ~130 B per revision). */
  maxRevisions: z.coerce.number().int().min(1).max(64).default(DEFAULT_MAX_REVISIONS),
  /**
   * An event whose chain or watcher time lies further than this past when the
   * stream stored it is rejected (dead-lettered, counted, never applied). Wide
   * enough for block timestamps a little ahead of the wall clock and for
   * clocks a little apart; a forged far-future tick is not.
   */
  maxFutureSkewMs: fields.durationMs.default(30_000),
  /**
   * Bearer tokens of the HTTP API (YAML: name, role, sha256 of the token). With it every /v1 route
   * needs a token of role researcher, operator or admin; without it the API is open (a warning at start).
   */
  httpTokensFile: z.string().min(1).optional(),
  /**
   * Per-asset overrides of the amount bounds (defaults: price 1e12, size 1e15,
   * notional 1e15 per position); an event past them is rejected (file only).
   */
  amountBounds: z
    .record(
      z.string().min(1),
      z.strictObject({
        maxPrice: z.number().positive().max(1e100).optional(),
        maxSize: z.number().positive().max(1e100).optional(),
        maxNotional: z.number().positive().max(1e100).optional(),
      }),
    )
    .default({}),
  /** Account → entity overrides: keys "<chain>:<account>" or a bare account (file only). */
  entityMap: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** Depth model per asset, for stress and ladder pressure (file only). */
  depth: z
    .record(
      z.string().min(1),
      z.strictObject({
        notionalPer1Pct: z.number().positive(),
        exponent: z.number().gt(0).max(2).default(1),
      }),
    )
    .default({}),
  /**
   * Depth model per venue and asset (file only): an asset's depth is the sum
   * over the venues that list it, ahead of its `depth` entry.
   */
  venueDepth: z
    .record(
      z.string().min(1),
      z.record(
        z.string().min(1),
        z.strictObject({
          notionalPer1Pct: z.number().positive(),
          exponent: z.number().gt(0).max(2).default(1),
        }),
      ),
    )
    .default({}),
  /** Assessments carry an asset's live EWMA correlations with the assets both sampled at least this many times. */
  correlationMinSamples: z.coerce.number().int().min(2).max(100_000).default(20),
  /** Insurance fund per venue, in quote currency (file only). */
  insuranceFunds: z.record(z.string().min(1), z.number().min(0)).default({}),
});

export const correlatorConfigSchema = correlatorConfigObject
  .superRefine(checkNatsSettings)
  .superRefine((c, ctx) => {
    if (c.ewmaHalfLifeMs !== undefined && c.ewmaLambda !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["ewmaLambda"],
        message: "give the EWMA memory once: ewmaHalfLifeMs or ewmaLambda (a daily λ), not both",
      });
  });

/** The EWMA half-life a configuration means: its own, its daily λ's, or RiskMetrics'. */
export function ewmaHalfLifeOf(c: {
  readonly ewmaHalfLifeMs?: number | undefined;
  readonly ewmaLambda?: number | undefined;
}): number {
  if (c.ewmaHalfLifeMs !== undefined) return c.ewmaHalfLifeMs;
  if (c.ewmaLambda !== undefined) return (Math.log(0.5) / Math.log(c.ewmaLambda)) * 86_400_000;
  return RISKMETRICS_HALF_LIFE_MS;
}

export type CorrelatorConfig = z.infer<typeof correlatorConfigSchema>;

/**
 * Every setting that has a default, at its default: read from the schema so
 * that code taking a setting as optional (CorrelatorState) falls back to the
 * same value a service started without it gets. (The TLS files have none.)
 */
export const CORRELATOR_DEFAULTS: Omit<CorrelatorConfig, "tlsCertFile" | "tlsKeyFile" | "tlsCaFile"> =
  correlatorConfigObject.omit({ tlsCertFile: true, tlsKeyFile: true, tlsCaFile: true }).parse({});

const ENV = {
  ...NATS_ENV,
  BW_HTTP_HOST: "httpHost",
  BW_HTTP_PORT: "httpPort",
  BW_GRPC_HOST: "grpcHost",
  BW_GRPC_PORT: "grpcPort",
  BW_TLS_CERT_FILE: "tlsCertFile",
  BW_TLS_KEY_FILE: "tlsKeyFile",
  BW_TLS_CA_FILE: "tlsCaFile",
  BW_TLS_REFRESH_MS: "tlsRefreshMs",
  BW_TRUST_DOMAIN: "trustDomain",
  BW_HTTP_TOKENS_FILE: "httpTokensFile",
  BW_LOG_LEVEL: "logLevel",
  BW_STALE_AFTER_MS: "staleAfterMs",
  BW_SNAPSHOT_INTERVAL_MS: "snapshotIntervalMs",
  BW_PRICE_FRESH_MS: "priceFreshMs",
  BW_PRICE_MAX_AGE_MS: "priceMaxAgeMs",
  BW_EWMA_LAMBDA: "ewmaLambda",
  BW_EWMA_HALF_LIFE_MS: "ewmaHalfLifeMs",
  BW_VOL_SAMPLE_MS: "volSampleMs",
  BW_VOL_HORIZON_MS: "volHorizonMs",
  BW_LADDER_MOVE_BPS: "ladderMoveBps",
  BW_LADDER_MAX_AGE_MS: "ladderMaxAgeMs",
  BW_MAX_REVISIONS: "maxRevisions",
  BW_MAX_FUTURE_SKEW_MS: "maxFutureSkewMs",
  BW_CORRELATION_MIN_SAMPLES: "correlationMinSamples",
} as const;

const FLAGS = {
  "nats-url": "natsUrl",
  "http-host": "httpHost",
  "http-port": "httpPort",
  "grpc-host": "grpcHost",
  "grpc-port": "grpcPort",
  "log-level": "logLevel",
  "stale-after-ms": "staleAfterMs",
  "snapshot-interval-ms": "snapshotIntervalMs",
  "price-fresh-ms": "priceFreshMs",
  "price-max-age-ms": "priceMaxAgeMs",
  "ewma-lambda": "ewmaLambda",
  "ewma-half-life-ms": "ewmaHalfLifeMs",
  "vol-sample-ms": "volSampleMs",
  "vol-horizon-ms": "volHorizonMs",
  "ladder-move-bps": "ladderMoveBps",
  "ladder-max-age-ms": "ladderMaxAgeMs",
  "max-revisions": "maxRevisions",
  "max-future-skew-ms": "maxFutureSkewMs",
  "correlation-min-samples": "correlationMinSamples",
} as const;

/** Loads the configuration (file, then env, then flags); throws ConfigError naming every bad field. */
export function loadCorrelatorConfig(
  argv: readonly string[] = process.argv.slice(2),
  environment: NodeJS.ProcessEnv = process.env,
): CorrelatorConfig {
  return loadConfig(correlatorConfigSchema, {
    service: "correlator",
    env: ENV,
    flags: FLAGS,
    argv,
    environment,
  });
}
