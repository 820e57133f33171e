import { startService } from "@breakwater/testkit";
import { describe, expect, it } from "vitest";
import { ENTRY } from "./test-harness.js";

describe("correlator configuration", () => {
  it("an invalid configuration exits 2 naming every bad field", async () => {
    const proc = startService(ENTRY, ["--snapshot-interval-ms", "soon"], {
      BW_NATS_URL: "localhost:4222",
      BW_HTTP_PORT: "70000",
      BW_STALE_AFTER_MS: "-5",
      BW_PRICE_FRESH_MS: "",
    });
    expect(await proc.exited()).toBe(2);
    const out = proc.output();
    expect(out).toMatch(/invalid correlator configuration/);
    expect(out).toMatch(/natsUrl \(env BW_NATS_URL\)/);
    expect(out).toMatch(/httpPort \(env BW_HTTP_PORT\)/);
    expect(out).toMatch(/staleAfterMs \(env BW_STALE_AFTER_MS\)/);
    expect(out).toMatch(/snapshotIntervalMs/);
    expect(out).not.toMatch(/priceFreshMs/);
  });

  it("an unknown flag exits 2 and lists the known ones", async () => {
    const proc = startService(ENTRY, ["--grpc", "1"], {});
    expect(await proc.exited()).toBe(2);
    expect(proc.output()).toMatch(/--grpc: unknown flag \(known: --config, --nats-url/);
  });
});
