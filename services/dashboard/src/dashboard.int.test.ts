// The dashboard against stand-in APIs on loopback ports (real HTTP both ways): what it does
// when an API is down or answers garbage, and how it bounds its own inputs.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigError } from "@breakwater/config";
import { createLogger } from "@breakwater/telemetry";
import { freePort } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardConfigSchema, loadDashboardConfig } from "./config.js";
import { type RunningDashboard, startDashboard } from "./dashboard.js";

/** A stand-in correlator: fixed answers, garbage on /v1/chains, a typed refusal for a bad stress body. */
async function standInCorrelator(): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    let body = "";
    for await (const c of req) body += c;
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    if (path === "/v1/chains") return void res.end("<html>not json</html>");
    if (path === "/v1/exposure")
      return send(200, { rows: [{ asset: "ETH", venueId: "v", chainId: "c", grossNotional: 7 }] });
    if (path === "/v1/stress") {
      const move = (JSON.parse(body) as { shocks: { move: number }[] }).shocks[0]?.move ?? 0;
      return move < -0.99
        ? send(400, { error: "invalid_query", field: "shocks[0].move", reason: "must be in [-0.99, 10]" })
        : send(200, { rounds: 1, perRound: [{ round: 1, positions: 2, notional: 10 }] });
    }
    send(200, {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("the dashboard's edges", () => {
  let correlator: { server: Server; url: string };
  let dashboard: RunningDashboard;

  beforeAll(async () => {
    correlator = await standInCorrelator();
    const closed = await freePort(); // nothing listens there: the coordinator is down
    dashboard = await startDashboard(
      dashboardConfigSchema.parse({
        httpPort: 0,
        correlatorUrl: correlator.url,
        coordinatorUrl: `http://127.0.0.1:${closed}`,
        pollMs: 100,
        maxClients: 1,
      }),
      createLogger("dashboard", "silent"),
    );
  });

  afterAll(async () => {
    await dashboard?.stop();
    correlator?.server.close();
  });

  it("behavior: a coordinator that is down leaves the dashboard serving, not ready, with the failure shown and counted", async () => {
    await new Promise((r) => setTimeout(r, 400));
    const ready = await fetch(`${dashboard.http}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reason: string }).reason).toBe("no answer yet from coordinator");
    const view = (await (await fetch(`${dashboard.http}/v1/view`)).json()) as Record<string, unknown>;
    expect(view["exposure"]).toMatchObject({ rows: [{ asset: "ETH", grossNotional: 7 }] });
    const status = view["status"] as { upstreams: Record<string, string> };
    expect(status.upstreams["coordinator signals"]).toMatch(/^coordinator \/v1\/signals/);
    // garbage from the correlator is refused, counted, and its topic stays empty
    expect(status.upstreams["correlator chains"]).toMatch(/not JSON/);
    expect(view["chains"]).toBeUndefined();
    const metrics = await (await fetch(`${dashboard.http}/metrics`)).text();
    expect(metrics).toMatch(
      /bw_dashboard_upstream_calls_total\{upstream="coordinator",result="unreachable"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /bw_dashboard_upstream_calls_total\{upstream="correlator",result="not_json"\} [1-9]/,
    );
  });

  it("behavior: a what-if run is forwarded; the correlator's refusal comes back as it was, bad bodies stop here", async () => {
    const post = (body: string, type = "application/json") =>
      fetch(`${dashboard.http}/v1/stress`, { method: "POST", headers: { "content-type": type }, body });
    const ok = await post(JSON.stringify({ shocks: [{ asset: "ETH", move: -0.2 }] }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ rounds: 1 });
    const refused = await post(JSON.stringify({ shocks: [{ asset: "ETH", move: -2 }] }));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ field: "shocks[0].move" });
    // a form post from another site cannot carry a JSON content type without a preflight
    expect((await post("shocks=1", "application/x-www-form-urlencoded")).status).toBe(400);
    expect((await post("x".repeat(70_000))).status).toBe(413);
    const metrics = await (await fetch(`${dashboard.http}/metrics`)).text();
    expect(metrics).toMatch(/bw_dashboard_stress_runs_total\{result="rejected"\} 2/);
  });

  it("behavior: past the client limit a new live feed is refused with 429 while the open one goes on", async () => {
    const first = new AbortController();
    const open = await fetch(`${dashboard.http}/v1/events`, { signal: first.signal });
    expect(open.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = open.body!.getReader();
    const chunk = new TextDecoder().decode((await reader.read()).value);
    expect(chunk).toContain("retry: 2000");
    expect((await fetch(`${dashboard.http}/v1/events`)).status).toBe(429);
    first.abort();
  });

  it("behavior: an invalid configuration names every bad field", () => {
    expect(() =>
      loadDashboardConfig([], { BW_CORRELATOR_URL: "ftp://x", BW_DASHBOARD_POLL_MS: "-1" }),
    ).toThrow(ConfigError);
    try {
      loadDashboardConfig([], { BW_CORRELATOR_URL: "ftp://x", BW_DASHBOARD_POLL_MS: "-1" });
    } catch (err) {
      expect((err as ConfigError).problems.join("\n")).toMatch(
        /correlatorUrl[\s\S]*pollMs|pollMs[\s\S]*correlatorUrl/,
      );
    }
  });
});
