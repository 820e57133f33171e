import { ConfigError } from "@breakwater/config";
import { RISKMETRICS_HALF_LIFE_MS } from "@breakwater/core";
import { describe, expect, it } from "vitest";
import { ewmaHalfLifeOf, loadCorrelatorConfig } from "./config.js";

/** What has no default: the gRPC port's mutual TLS files. */
const TLS = {
  BW_TLS_CERT_FILE: "/tls/tls.crt",
  BW_TLS_KEY_FILE: "/tls/tls.key",
  BW_TLS_CA_FILE: "/tls/ca.crt",
};

describe("loadCorrelatorConfig", () => {
  it("behavior: without the TLS files the configuration is refused, each named", () => {
    expect(() => loadCorrelatorConfig([], {})).toThrow(
      /tlsCertFile.*required: the gRPC server's certificate file/s,
    );
  });

  it("default: every other setting has a default", () => {
    expect(loadCorrelatorConfig([], TLS)).toEqual({
      tlsCertFile: "/tls/tls.crt",
      tlsKeyFile: "/tls/tls.key",
      tlsCaFile: "/tls/ca.crt",
      tlsRefreshMs: 10_000,
      trustDomain: "breakwater",
      natsUrl: "nats://127.0.0.1:4222",
      httpHost: "127.0.0.1",
      httpPort: 9102,
      grpcHost: "127.0.0.1",
      grpcPort: 50052,
      logLevel: "info",
      staleAfterMs: 5_000,
      snapshotIntervalMs: 10_000,
      priceFreshMs: 30_000,
      priceMaxAgeMs: 3_900_000,
      ewmaHalfLifeMs: undefined,
      ewmaLambda: undefined,
      volSampleMs: 60_000,
      volHorizonMs: 86_400_000,
      ladderMoveBps: 500,
      ladderMaxAgeMs: 1_000,
      maxRevisions: 5,
      maxFutureSkewMs: 30_000,
      amountBounds: {},
      entityMap: {},
      depth: {},
      venueDepth: {},
      correlationMinSamples: 20,
      insuranceFunds: {},
    });
  });

  it("behavior: env and flags override; port 0 means any", () => {
    const c = loadCorrelatorConfig(["--grpc-port", "0"], {
      ...TLS,
      BW_HTTP_PORT: "0",
      BW_STALE_AFTER_MS: "1500",
    });
    expect(c).toMatchObject({ httpPort: 0, grpcPort: 0, staleAfterMs: 1_500 });
    expect(loadCorrelatorConfig([], { ...TLS, BW_MAX_FUTURE_SKEW_MS: "5000" }).maxFutureSkewMs).toBe(5_000);
  });

  it("behavior: the EWMA memory is a time, given as a half-life or as a daily λ, never both", () => {
    expect(ewmaHalfLifeOf(loadCorrelatorConfig([], TLS))).toBe(RISKMETRICS_HALF_LIFE_MS);
    expect(RISKMETRICS_HALF_LIFE_MS / 86_400_000).toBeCloseTo(11.2, 1);
    expect(ewmaHalfLifeOf(loadCorrelatorConfig([], { ...TLS, BW_EWMA_HALF_LIFE_MS: "3600000" }))).toBe(
      3_600_000,
    );
    // a daily λ of 0.5 is a one-day half-life
    expect(ewmaHalfLifeOf(loadCorrelatorConfig([], { ...TLS, BW_EWMA_LAMBDA: "0.5" }))).toBeCloseTo(
      86_400_000,
      6,
    );
    expect(() =>
      loadCorrelatorConfig([], { ...TLS, BW_EWMA_LAMBDA: "0.94", BW_EWMA_HALF_LIFE_MS: "3600000" }),
    ).toThrow(/ewmaLambda.*not both/s);
  });

  it("behavior: every bad field is named with its variable", () => {
    let error: unknown;
    try {
      loadCorrelatorConfig([], { BW_HTTP_PORT: "http", BW_STALE_AFTER_MS: "-1", BW_NATS_URL: "localhost" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    expect(problems).toMatch(/httpPort \(env BW_HTTP_PORT\)/);
    expect(problems).toMatch(/staleAfterMs \(env BW_STALE_AFTER_MS\)/);
    expect(problems).toMatch(/natsUrl \(env BW_NATS_URL\)/);
  });
});
