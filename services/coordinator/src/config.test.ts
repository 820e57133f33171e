import { ConfigError } from "@breakwater/config";
import { DEFAULT_BREAKER_OPTIONS, defaultPolicy } from "@breakwater/core";
import { describe, expect, it } from "vitest";
import { breakerDefaultsOf, loadCoordinatorConfig } from "./config.js";

/** What has no default: the mutual TLS files and the venue registry. */
const REQUIRED = {
  BW_TLS_CERT_FILE: "/etc/breakwater/tls/tls.crt",
  BW_TLS_KEY_FILE: "/etc/breakwater/tls/tls.key",
  BW_TLS_CA_FILE: "/etc/breakwater/tls/ca.crt",
  BW_VENUES_FILE: "/etc/breakwater/venues/venues.yaml",
};

describe("coordinator config", () => {
  it("behavior: without the TLS files and the venue registry the configuration is refused, each named", () => {
    try {
      loadCoordinatorConfig([], {});
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join("\n");
      expect(problems).toMatch(/tlsCertFile.*required: the gRPC server's certificate file/);
      expect(problems).toMatch(/tlsKeyFile.*required/);
      expect(problems).toMatch(/tlsCaFile.*required/);
      expect(problems).toMatch(/venuesFile.*required: the venue registry file/);
    }
  });

  it("default: the level-1 breaker, the documented ports and limits, no development key", () => {
    const config = loadCoordinatorConfig([], REQUIRED);
    expect(config).toMatchObject({
      grpcHost: "127.0.0.1",
      grpcPort: 50_051,
      httpPort: 9_103,
      signalLeadMs: 500,
      markerIntervalMs: 1_000,
      trustDomain: "breakwater",
      maxStreamsPerVenue: 4,
      unaryRatePerSecond: 50,
      maxRequestBytes: 65_536,
      developmentSigningKey: false,
    });
    // Rule 80B level 1: a 7% fall within 5 minutes halts for 15 minutes, once a day.
    expect(breakerDefaultsOf(config)).toEqual({
      threshold: 0.07,
      windowMs: 300_000,
      haltMs: 900_000,
      periodMs: 86_400_000,
      mode: "full",
    });
    expect(breakerDefaultsOf(config)).toEqual(DEFAULT_BREAKER_OPTIONS);
    expect(defaultPolicy(breakerDefaultsOf(config))).toEqual(defaultPolicy());
  });

  it("behavior: breaker settings are overridable from the environment", () => {
    const config = loadCoordinatorConfig([], {
      ...REQUIRED,
      BW_BREAKER_THRESHOLD: "0.1",
      BW_BREAKER_WINDOW_MS: "3600000",
      BW_BREAKER_HALT_MS: "120000",
      BW_BREAKER_PERIOD_MS: "1000",
      BW_BREAKER_MODE: "reduce-only",
      BW_GRPC_PORT: "0",
    });
    expect(breakerDefaultsOf(config)).toEqual({
      threshold: 0.1,
      windowMs: 3_600_000,
      haltMs: 120_000,
      periodMs: 1_000,
      mode: "reduce-only",
    });
    const breaker = defaultPolicy(breakerDefaultsOf(config)).rules.find((r) => r.kind === "circuit-breaker");
    expect(breaker?.params).toMatchObject({
      levels: [
        { level: 1, threshold: 0.1, haltMs: 120_000, mode: "reduce-only" },
        { level: 2, threshold: 0.13, haltMs: 120_000, mode: "reduce-only" },
        { level: 3, threshold: 0.2, haltMs: 0, mode: "reduce-only" },
      ],
      windowMs: 3_600_000,
      periodMs: 1_000,
    });
    expect(config.grpcPort).toBe(0);
  });

  it("behavior: every invalid field is reported at once", () => {
    try {
      loadCoordinatorConfig(["--grpc-port", "70000"], { BW_BREAKER_THRESHOLD: "0", BW_SIGNAL_LEAD_MS: "-1" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join("\n");
      expect(problems).toMatch(/grpcPort/);
      expect(problems).toMatch(/breakerThreshold \(env BW_BREAKER_THRESHOLD\)/);
      expect(problems).toMatch(/signalLeadMs \(env BW_SIGNAL_LEAD_MS\)/);
    }
  });
});
