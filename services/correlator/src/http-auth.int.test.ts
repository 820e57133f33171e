import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tokenHash } from "@breakwater/identity";
import { type NatsServer, sharedTestPki, startNats } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningCorrelator, startCorrelator } from "./test-harness.js";

// The researcher API with a tokens file: a real correlator process over real HTTP.

const TOKEN = "researcher-token-for-the-correlator-0123";

describe("the researcher API behind bearer tokens", () => {
  let nats: NatsServer;
  let correlator: RunningCorrelator;

  beforeAll(async () => {
    nats = await startNats();
    const pki = await sharedTestPki();
    const tokensFile = join(pki.dir, "correlator-tokens.yaml");
    writeFileSync(tokensFile, `tokens:\n  - { name: ana, role: researcher, sha256: ${tokenHash(TOKEN)} }\n`);
    correlator = await startCorrelator(nats.url, { BW_HTTP_TOKENS_FILE: tokensFile });
  });
  afterAll(async () => {
    correlator?.close();
    await correlator?.proc.stop();
    await nats?.dispose();
  });

  const get = (path: string, token?: string) =>
    fetch(`${correlator.http}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it("behavior: /v1 needs a known token (401 with WWW-Authenticate otherwise); probes, metrics and the OpenAPI document stay open", async () => {
    const anonymous = await get("/v1/chains");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await get("/v1/chains", "someone-elses-token-0000")).status).toBe(401);
    expect((await get("/v1/chains", TOKEN)).status).toBe(200);
    expect((await get("/healthz")).status).toBe(200);
    const doc = (await (await get("/openapi.json")).json()) as {
      security: unknown;
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
    };
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.components.securitySchemes["bearerAuth"]).toMatchObject({ type: "http", scheme: "bearer" });
    const metrics = await (await get("/metrics")).text();
    expect(metrics).toMatch(/bw_correlator_http_auth_refusals_total\{reason="no_token"\} 1/);
    expect(metrics).toMatch(/bw_correlator_http_auth_refusals_total\{reason="unknown_token"\} 1/);
  });
});
