import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, loadConfig } from "./load.js";
import { checkNatsSettings, NATS_ENV, natsConnectionOf, natsFields } from "./nats.js";

const schema = z.strictObject({ ...natsFields }).superRefine(checkNatsSettings);
const load = (environment: NodeJS.ProcessEnv) =>
  loadConfig(schema, { service: "test", env: NATS_ENV, argv: [], environment });

describe("NATS settings", () => {
  it("default: no identity, no TLS: the URL alone", () => {
    expect(natsConnectionOf(load({}))).toEqual({ url: "nats://127.0.0.1:4222" });
  });

  it("behavior: a seed file and TLS files become the connection's credentials and TLS", () => {
    const cfg = load({
      BW_NATS_URL: "tls://nats:4222",
      BW_NATS_SEED_FILE: "/etc/breakwater/nats/seed.nk",
      BW_NATS_TLS_CA_FILE: "/etc/breakwater/nats-ca/ca.crt",
      BW_NATS_TLS_CERT_FILE: "/etc/breakwater/nats-tls/tls.crt",
      BW_NATS_TLS_KEY_FILE: "/etc/breakwater/nats-tls/tls.key",
    });
    expect(natsConnectionOf(cfg)).toEqual({
      url: "tls://nats:4222",
      credentials: { nkeySeedFile: "/etc/breakwater/nats/seed.nk" },
      tls: {
        caFile: "/etc/breakwater/nats-ca/ca.crt",
        certFile: "/etc/breakwater/nats-tls/tls.crt",
        keyFile: "/etc/breakwater/nats-tls/tls.key",
      },
    });
  });

  it("behavior: a certificate without its key, and a seed beside URL credentials, are refused", () => {
    expect(() => load({ BW_NATS_TLS_CERT_FILE: "/c.crt" })).toThrow(/natsTlsKeyFile.*needs its key/);
    expect(() => load({ BW_NATS_URL: "nats://u:p@nats:4222", BW_NATS_SEED_FILE: "/s.nk" })).toThrow(
      ConfigError,
    );
  });
});
