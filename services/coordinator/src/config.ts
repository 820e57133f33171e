import { fields, loadConfig } from "@breakwater/config";
import { type DrawdownBreakerConfig, LEVEL_1_BREAKER } from "@breakwater/core";
import { HaltMode } from "@breakwater/proto";
import { z } from "zod";

const HALT_MODES = { full: HaltMode.HALT_MODE_FULL, "reduce-only": HaltMode.HALT_MODE_REDUCE_ONLY } as const;

/** The coordinator's settings; every field has a default. Unknown keys are rejected. */
export const coordinatorConfigSchema = z
  .object({
    natsUrl: fields.natsUrl,
    logLevel: fields.logLevel,
    grpcHost: fields.host,
    grpcPort: fields.port.default(50_051),
    httpHost: fields.host,
    httpPort: fields.port.default(9_103),
    /** Time between a signal's issue and its activation at every venue. */
    signalLeadMs: z.coerce.number().int("must be an integer number of milliseconds").min(0).default(500),
    /** How often an idle subscription gets a position marker. */
    markerIntervalMs: fields.durationMs.default(1_000),
    /** Signals a stalled subscriber may fall behind before its stream is ended. */
    subscriberBuffer: z.coerce.number().int("must be an integer").min(1).default(1_024),
    /** How long an assessment handed to the coordinator stays unacked before redelivery. */
    assessmentAckWaitMs: fields.durationMs.default(10_000),
    breakerThreshold: z.coerce
      .number()
      .gt(0, "must be a fraction in (0, 1)")
      .lt(1, "must be a fraction in (0, 1)")
      .default(LEVEL_1_BREAKER.threshold),
    breakerWindowMs: fields.durationMs.default(LEVEL_1_BREAKER.windowMs),
    breakerHaltMs: fields.durationMs.default(LEVEL_1_BREAKER.haltDurationMs),
    breakerPeriodMs: fields.durationMs.default(LEVEL_1_BREAKER.periodMs),
    breakerMode: z.enum(["full", "reduce-only"]).default("full"),
  })
  .strict();

export type CoordinatorConfig = z.infer<typeof coordinatorConfigSchema>;

/** Environment variable → setting. */
export const COORDINATOR_ENV = {
  BW_NATS_URL: "natsUrl",
  BW_LOG_LEVEL: "logLevel",
  BW_GRPC_HOST: "grpcHost",
  BW_GRPC_PORT: "grpcPort",
  BW_HTTP_HOST: "httpHost",
  BW_HTTP_PORT: "httpPort",
  BW_SIGNAL_LEAD_MS: "signalLeadMs",
  BW_MARKER_INTERVAL_MS: "markerIntervalMs",
  BW_SUBSCRIBER_BUFFER: "subscriberBuffer",
  BW_ASSESSMENT_ACK_WAIT_MS: "assessmentAckWaitMs",
  BW_BREAKER_THRESHOLD: "breakerThreshold",
  BW_BREAKER_WINDOW_MS: "breakerWindowMs",
  BW_BREAKER_HALT_MS: "breakerHaltMs",
  BW_BREAKER_PERIOD_MS: "breakerPeriodMs",
  BW_BREAKER_MODE: "breakerMode",
} as const;

/** Command-line flag → setting. */
export const COORDINATOR_FLAGS = {
  nats: "natsUrl",
  "log-level": "logLevel",
  "grpc-host": "grpcHost",
  "grpc-port": "grpcPort",
  "http-host": "httpHost",
  "http-port": "httpPort",
} as const;

/** Loads and validates the configuration; throws ConfigError listing every problem. */
export function loadCoordinatorConfig(
  argv?: readonly string[],
  environment?: NodeJS.ProcessEnv,
): CoordinatorConfig {
  return loadConfig(coordinatorConfigSchema, {
    service: "coordinator",
    env: COORDINATOR_ENV,
    flags: COORDINATOR_FLAGS,
    ...(argv ? { argv } : {}),
    ...(environment ? { environment } : {}),
  });
}

/** The level-1 breaker with the configured overrides. */
export function breakerConfigOf(config: CoordinatorConfig): DrawdownBreakerConfig {
  return {
    ...LEVEL_1_BREAKER,
    threshold: config.breakerThreshold,
    windowMs: config.breakerWindowMs,
    haltDurationMs: config.breakerHaltMs,
    periodMs: config.breakerPeriodMs,
    mode: HALT_MODES[config.breakerMode],
  };
}
