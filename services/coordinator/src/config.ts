import { checkNatsSettings, fields, loadConfig, NATS_ENV, natsFields } from "@breakwater/config";
import { DEFAULT_BREAKER_OPTIONS, type DefaultPolicyOptions } from "@breakwater/core";
import { z } from "zod";

/**
 * The coordinator's settings. Every field has a default except the mutual TLS
 * files and the venue registry: there is no insecure way to serve venues.
 * Unknown keys are rejected.
 */
export const coordinatorConfigSchema = z
  .object({
    ...natsFields,
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
    /** How far past its storage time an assessment's price time may lie before it is dead-lettered. */
    maxFutureSkewMs: fields.durationMs.default(30_000),
    /** Venue records kept (idle ones evicted, least recently active first). */
    maxVenues: z.coerce.number().int("must be an integer").min(1).default(1_000),
    /** How long an assessment handed to the coordinator stays unacked before redelivery. */
    assessmentAckWaitMs: fields.durationMs.default(3_000),
    breakerThreshold: z.coerce
      .number()
      .gt(0, "must be a fraction in (0, 1)")
      .lt(1, "must be a fraction in (0, 1)")
      .default(DEFAULT_BREAKER_OPTIONS.threshold),
    breakerWindowMs: fields.durationMs.default(DEFAULT_BREAKER_OPTIONS.windowMs),
    breakerHaltMs: fields.durationMs.default(DEFAULT_BREAKER_OPTIONS.haltMs),
    breakerPeriodMs: fields.durationMs.default(DEFAULT_BREAKER_OPTIONS.periodMs),
    breakerMode: z.enum(["full", "reduce-only"]).default(DEFAULT_BREAKER_OPTIONS.mode),
    /** Declarative policy (YAML); when absent the embedded default policy is used. Reloaded on change. */
    policyFile: z.string().min(1).optional(),
    /** This server's certificate chain (PEM); with the key and CA, mutual TLS on the gRPC port. Required. */
    tlsCertFile: fields.tlsFile("the gRPC server's certificate file", "BW_TLS_CERT_FILE"),
    tlsKeyFile: fields.tlsFile("the gRPC server's private key file", "BW_TLS_KEY_FILE"),
    /** CA bundle venue client certificates must chain to. */
    tlsCaFile: fields.tlsFile("the CA bundle for client certificates", "BW_TLS_CA_FILE"),
    /** How often the TLS files are re-read (a renewed Secret takes effect within this). */
    tlsRefreshMs: fields.durationMs.default(10_000),
    trustDomain: fields.trustDomain,
    /** The venue registry (YAML): each venue's id, identity and scope. Required. */
    venuesFile: z.string({ error: "required: the venue registry file (BW_VENUES_FILE)" }).min(1),
    /** Concurrent Subscribe streams per venue (a registry entry may set its own). */
    maxStreamsPerVenue: z.coerce.number().int("must be an integer").min(1).default(4),
    /** Unary calls per second per identity, and the burst allowed above it. */
    unaryRatePerSecond: z.coerce.number().positive("must be positive").default(50),
    unaryBurst: z.coerce.number().int("must be an integer").min(1).default(200),
    /** Largest request message accepted (bytes). */
    maxRequestBytes: z.coerce
      .number()
      .int("must be an integer")
      .min(1_024)
      .max(4 * 1024 * 1024)
      .default(64 * 1024),
    /**
     * Without a configured signing key the coordinator refuses to start unless
     * this is true: then it signs with an ephemeral key generated at start
     * (logged as a warning; venues must fetch it from GetSigningKeys). Development only.
     */
    developmentSigningKey: z
      .enum(["true", "false"], { error: "must be true or false" })
      .default("false")
      .transform((v) => v === "true"),
    /**
     * Bearer tokens of the HTTP API (YAML: name, role, sha256 of the token). With it every /v1 route
     * needs a token (researcher reads, operator and admin also issue manual signals); without it the
     * read routes are open and the operator API is refused.
     */
    httpTokensFile: z.string().min(1).optional(),
    /** How long a second operator has to approve a manual resume or loosening. */
    operatorApprovalWindowMs: fields.durationMs.default(600_000),
    /** Active Ed25519 private key (PEM, or base64 of PKCS#8 DER or 32-byte seed). */
    signingKey: z.string().min(1).optional(),
    signingKeyFile: z.string().min(1).optional(),
    signingKeyId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "must be 1-64 of A-Z a-z 0-9 _ . : -")
      .optional(),
    /** Retired keys still published: comma-separated `[keyId=]base64` or `[keyId=]@file`. */
    previousSigningKeys: z.string().optional(),
    previousKeysNotAfterMs: z.coerce.number().int().min(0).default(0),
    /** This replica's name in the leader lease (default: host name, pid and a random suffix). */
    replicaId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,128}$/, "must be 1-128 of A-Z a-z 0-9 _ . : -")
      .optional(),
    /** A leader that has not renewed its lease for this long is replaced. */
    leaseTtlMs: fields.durationMs.default(1_500),
    /** How often the leader renews its lease (and followers check it). */
    leaseRenewMs: fields.durationMs.default(400),
    /** How often acks of halts are checked against their effective time. */
    ackCheckIntervalMs: fields.durationMs.default(250),
    /** Grace after effective_at before an unacked halt is reported. */
    ackGraceMs: z.coerce.number().int().min(0).default(0),
    /** The leader appends an advisory for each halt some venue had not acked in time. */
    ackAdvisory: z
      .enum(["true", "false"], { error: "must be true or false" })
      .default("true")
      .transform((v) => v === "true"),
  })
  .strict()
  .superRefine(checkNatsSettings);

export type CoordinatorConfig = z.infer<typeof coordinatorConfigSchema>;

/** Environment variable → setting. */
export const COORDINATOR_ENV = {
  ...NATS_ENV,
  BW_LOG_LEVEL: "logLevel",
  BW_GRPC_HOST: "grpcHost",
  BW_GRPC_PORT: "grpcPort",
  BW_HTTP_HOST: "httpHost",
  BW_HTTP_PORT: "httpPort",
  BW_SIGNAL_LEAD_MS: "signalLeadMs",
  BW_MARKER_INTERVAL_MS: "markerIntervalMs",
  BW_SUBSCRIBER_BUFFER: "subscriberBuffer",
  BW_ASSESSMENT_ACK_WAIT_MS: "assessmentAckWaitMs",
  BW_MAX_FUTURE_SKEW_MS: "maxFutureSkewMs",
  BW_MAX_VENUES: "maxVenues",
  BW_BREAKER_THRESHOLD: "breakerThreshold",
  BW_BREAKER_WINDOW_MS: "breakerWindowMs",
  BW_BREAKER_HALT_MS: "breakerHaltMs",
  BW_BREAKER_PERIOD_MS: "breakerPeriodMs",
  BW_BREAKER_MODE: "breakerMode",
  BW_POLICY_FILE: "policyFile",
  BW_TLS_CERT_FILE: "tlsCertFile",
  BW_TLS_KEY_FILE: "tlsKeyFile",
  BW_TLS_CA_FILE: "tlsCaFile",
  BW_TLS_REFRESH_MS: "tlsRefreshMs",
  BW_TRUST_DOMAIN: "trustDomain",
  BW_VENUES_FILE: "venuesFile",
  BW_MAX_STREAMS_PER_VENUE: "maxStreamsPerVenue",
  BW_UNARY_RATE_PER_SECOND: "unaryRatePerSecond",
  BW_UNARY_BURST: "unaryBurst",
  BW_MAX_REQUEST_BYTES: "maxRequestBytes",
  BW_DEVELOPMENT_SIGNING_KEY: "developmentSigningKey",
  BW_HTTP_TOKENS_FILE: "httpTokensFile",
  BW_OPERATOR_APPROVAL_WINDOW_MS: "operatorApprovalWindowMs",
  BW_SIGNING_KEY: "signingKey",
  BW_SIGNING_KEY_FILE: "signingKeyFile",
  BW_SIGNING_KEY_ID: "signingKeyId",
  BW_SIGNING_PREVIOUS_KEYS: "previousSigningKeys",
  BW_SIGNING_PREVIOUS_NOT_AFTER_MS: "previousKeysNotAfterMs",
  BW_REPLICA_ID: "replicaId",
  BW_LEASE_TTL_MS: "leaseTtlMs",
  BW_LEASE_RENEW_MS: "leaseRenewMs",
  BW_ACK_CHECK_INTERVAL_MS: "ackCheckIntervalMs",
  BW_ACK_GRACE_MS: "ackGraceMs",
  BW_ACK_ADVISORY: "ackAdvisory",
} as const;

/** Command-line flag → setting. */
export const COORDINATOR_FLAGS = {
  nats: "natsUrl",
  "log-level": "logLevel",
  "grpc-host": "grpcHost",
  "grpc-port": "grpcPort",
  "http-host": "httpHost",
  "http-port": "httpPort",
  policy: "policyFile",
  venues: "venuesFile",
  "replica-id": "replicaId",
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

/** The circuit-breaker settings of the default policy (used when no policy file is given). */
export function breakerDefaultsOf(config: CoordinatorConfig): Required<DefaultPolicyOptions> {
  return {
    threshold: config.breakerThreshold,
    windowMs: config.breakerWindowMs,
    haltMs: config.breakerHaltMs,
    periodMs: config.breakerPeriodMs,
    mode: config.breakerMode,
  };
}
