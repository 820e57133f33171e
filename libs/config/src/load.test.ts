import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fields } from "./fields.js";
import { ConfigError, loadConfig } from "./load.js";

const schema = z
  .object({
    natsUrl: fields.natsUrl,
    httpPort: fields.port.default(9000),
    leadMs: fields.durationMs.default(500),
    chain: fields.id,
  })
  .strict();
const opts = {
  service: "test",
  env: { BW_NATS_URL: "natsUrl", BW_HTTP_PORT: "httpPort", BW_LEAD_MS: "leadMs" },
  flags: { chain: "chain" },
};

describe("loadConfig", () => {
  it("default: defaults, then env, then flags", () => {
    const cfg = loadConfig(schema, {
      ...opts,
      argv: ["--chain", "sim-a"],
      environment: { BW_HTTP_PORT: "9999" },
    });
    expect(cfg).toEqual({ natsUrl: "nats://127.0.0.1:4222", httpPort: 9999, leadMs: 500, chain: "sim-a" });
  });

  it("behavior: every bad field is named, with the env variable it came from", () => {
    try {
      loadConfig(schema, {
        ...opts,
        argv: ["--chain", "Not OK", "--bogus", "1"],
        environment: { BW_HTTP_PORT: "abc", BW_NATS_URL: "http://x", BW_LEAD_MS: "-5" },
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).problems.join("\n");
      expect(text).toContain("httpPort (env BW_HTTP_PORT)");
      expect(text).toContain("natsUrl (env BW_NATS_URL)");
      expect(text).toContain("leadMs (env BW_LEAD_MS)");
      expect(text).toContain("chain");
      expect(text).toContain("--bogus: unknown flag");
      expect((err as ConfigError).problems).toHaveLength(5);
    }
  });

  it("behavior: a config file is read and unknown keys in it are rejected", () => {
    const dir = mkdtempSync(join(tmpdir(), "bw-cfg-"));
    const file = join(dir, "c.yaml");
    writeFileSync(file, "chain: sim-b\nhttpPort: 1234\ntypo: 1\n");
    expect(() => loadConfig(schema, { ...opts, argv: ["--config", file], environment: {} })).toThrow(/typo/);
    writeFileSync(file, "chain: sim-b\nhttpPort: 1234\n");
    expect(loadConfig(schema, { ...opts, argv: ["--config", file], environment: {} }).httpPort).toBe(1234);
  });

  it("behavior: an unreadable file is a problem, not a crash", () => {
    expect(() =>
      loadConfig(schema, { ...opts, argv: ["--config", "/nonexistent.yaml"], environment: {} }),
    ).toThrow(/cannot be read/);
  });
});
