import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NatsServer, type NatsTlsFiles, natsTlsFiles, startNats } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploymentRoles, renderAuthorization } from "./authorization.js";
import { connectBus } from "./connection.js";
import { BusCredentialsError } from "./errors.js";
import { ensureSeedFiles, seedFileOf } from "./nkey-files.js";
import { publish } from "./publish.js";
import { subjects } from "./subjects.js";

// TLS to NATS: a server that requires TLS and verifies client certificates, plus the generated authorization.
describe("connectBus over TLS", () => {
  let nats: NatsServer;
  let dir: string;
  let tls: NatsTlsFiles;
  const role = { kind: "watcher", chain: "alpha" } as const;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "bw-nats-tls-"));
    tls = natsTlsFiles(join(dir, "tls"));
    const auth = renderAuthorization(ensureSeedFiles(join(dir, "auth"), deploymentRoles(["alpha"])));
    nats = await startNats({ config: `${tls.serverConfig}${auth}` });
  });
  afterAll(async () => {
    await nats?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const credentials = () => ({ nkeySeedFile: seedFileOf(join(dir, "auth"), role) });

  it("default: the CA file and a client certificate connect, and the identity's permissions apply", async () => {
    const bus = await connectBus({
      url: nats.url.replace("nats://", "tls://"),
      name: "tls-watcher",
      role,
      credentials: credentials(),
      tls: { caFile: tls.ca, certFile: tls.clientCert, keyFile: tls.clientKey },
    });
    try {
      const p = await publish(bus, subjects.heartbeat("alpha"), new Uint8Array([1]), { msgId: "tls-hb" });
      expect(p.seq).toBeGreaterThan(0);
    } finally {
      await bus.close();
    }
  });

  it("behavior: without a client certificate, or without trusting the server's CA, there is no connection", async () => {
    await expect(
      connectBus({
        url: nats.url,
        name: "no-cert",
        role,
        credentials: credentials(),
        tls: { caFile: tls.ca },
        // the server drops the handshake; the client learns it only from its connect timeout
        connectTimeoutMs: 3_000,
      }),
    ).rejects.toThrow(/timeout/i);
    await expect(
      connectBus({
        url: nats.url,
        name: "untrusted",
        role,
        credentials: credentials(),
        tls: { certFile: tls.clientCert, keyFile: tls.clientKey },
      }),
    ).rejects.toThrow(/certificate/i);
  });

  it("behavior: a missing TLS file is named before any connection is tried", async () => {
    await expect(
      connectBus({ url: nats.url, name: "missing", tls: { caFile: join(dir, "nope.crt") } }),
    ).rejects.toBeInstanceOf(BusCredentialsError);
  });
});
