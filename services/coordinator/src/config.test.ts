import { ConfigError } from "@breakwater/config";
import { LEVEL_1_BREAKER } from "@breakwater/core";
import { HaltMode } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { breakerConfigOf, loadCoordinatorConfig } from "./config.js";

describe("coordinator config", () => {
  it("default: the level-1 breaker and the documented ports", () => {
    const config = loadCoordinatorConfig([], {});
    expect(config).toMatchObject({
      grpcHost: "127.0.0.1",
      grpcPort: 50_051,
      httpPort: 9_103,
      signalLeadMs: 500,
      markerIntervalMs: 1_000,
    });
    expect(breakerConfigOf(config)).toEqual(LEVEL_1_BREAKER);
  });

  it("behavior: breaker settings are overridable from the environment", () => {
    const config = loadCoordinatorConfig([], {
      BW_BREAKER_THRESHOLD: "0.1",
      BW_BREAKER_WINDOW_MS: "3600000",
      BW_BREAKER_HALT_MS: "120000",
      BW_BREAKER_PERIOD_MS: "1000",
      BW_BREAKER_MODE: "reduce-only",
      BW_GRPC_PORT: "0",
    });
    expect(breakerConfigOf(config)).toMatchObject({
      threshold: 0.1,
      windowMs: 3_600_000,
      haltDurationMs: 120_000,
      periodMs: 1_000,
      mode: HaltMode.HALT_MODE_REDUCE_ONLY,
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
