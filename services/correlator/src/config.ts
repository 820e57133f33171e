import { fields, loadConfig } from "@breakwater/config";
import { z } from "zod";

/** The correlator's settings. Unknown keys in a config file are rejected. */
export const correlatorConfigSchema = z.strictObject({
  natsUrl: fields.natsUrl,
  httpHost: fields.host,
  /** /metrics, /healthz, /readyz and the researcher API; 0 = any free port. */
  httpPort: fields.port.default(9102),
  grpcHost: fields.host,
  /** ExposureService; 0 = any free port. */
  grpcPort: fields.port.default(50052),
  logLevel: fields.logLevel,
  /** A chain with no heartbeat for longer than this is stale. */
  staleAfterMs: fields.durationMs.default(5_000),
  /** How often an ExposureSnapshot is published to the history stream. */
  snapshotIntervalMs: fields.durationMs.default(10_000),
  /** A (chain, source) price is fresh when at most this much older (chain time) than the asset's newest tick. */
  priceFreshMs: fields.durationMs.default(30_000),
});

export type CorrelatorConfig = z.infer<typeof correlatorConfigSchema>;

const ENV = {
  BW_NATS_URL: "natsUrl",
  BW_HTTP_HOST: "httpHost",
  BW_HTTP_PORT: "httpPort",
  BW_GRPC_HOST: "grpcHost",
  BW_GRPC_PORT: "grpcPort",
  BW_LOG_LEVEL: "logLevel",
  BW_STALE_AFTER_MS: "staleAfterMs",
  BW_SNAPSHOT_INTERVAL_MS: "snapshotIntervalMs",
  BW_PRICE_FRESH_MS: "priceFreshMs",
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
