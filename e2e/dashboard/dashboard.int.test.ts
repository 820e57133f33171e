// The dashboard against a running system (nats-server, two simulated chains, correlator,
// coordinator, two venues) in Debian's headless Chromium: every view shows the system's numbers,
// a what-if run draws its charts, and the crash's halt and its acks arrive over server-sent events.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { tokenHash } from "@breakwater/identity";
import { type Browser, chromiumAvailable, eventually, launchChromium } from "@breakwater/testkit";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSystem, startSystem } from "../system.js";
import { type DashboardProcess, startDashboardProcess } from "./dashboard-process.js";

const VENUES = ["perp-a", "perp-b"];
/** UPDATE_SCREENSHOTS=1 refreshes the README's pictures in docs/images; otherwise they go to a temporary folder. */
const shotsDir =
  process.env["UPDATE_SCREENSHOTS"] === "1"
    ? resolve("docs/images")
    : mkdtempSync(join(tmpdir(), "bw-dashboard-shots-"));

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  if (!init?.headers) throw new Error("every API here needs a token");
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** What a person sees in an element (rendered text, table cells tab-separated). */
// biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, not a DOM node
const textOf = (locator: Locator) => locator.innerText();

const attr = (page: Page, selector: string, name: string) =>
  page
    .locator(selector)
    .getAttribute(name)
    .then((v) => Number(v ?? "0"));

async function shoot(page: Page, view: string): Promise<void> {
  const shot = await page
    .locator(`#view-${view}`)
    .screenshot({ path: join(shotsDir, `dashboard-${view}.png`) });
  expect(shot.length).toBeGreaterThan(1_000);
}

describe.skipIf(!chromiumAvailable())("dashboard over a running system", () => {
  let system: RunningSystem;
  let dashboard: DashboardProcess;
  let browser: Browser;
  let page: Page;
  let correlator: string;
  let coordinator: string;
  let loadedAtSequence = 0;
  // the correlator's and coordinator's APIs require tokens: the dashboard's own (researcher) and an operator's
  const secrets = mkdtempSync(join(tmpdir(), "bw-dashboard-tokens-"));
  const upstreamToken = randomBytes(24).toString("hex");
  const operatorToken = randomBytes(24).toString("hex");
  const tokensFile = join(secrets, "tokens.yaml");
  const upstreamTokenFile = join(secrets, "dashboard.token");
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    mkdirSync(shotsDir, { recursive: true });
    writeFileSync(
      tokensFile,
      `tokens:\n  - { name: dashboard, role: researcher, sha256: ${tokenHash(upstreamToken)} }\n` +
        `  - { name: ops, role: operator, sha256: ${tokenHash(operatorToken)} }\n`,
    );
    writeFileSync(upstreamTokenFile, `${upstreamToken}\n`);
    system = await startSystem({
      chains: ["sim-a", "sim-b"],
      venues: VENUES,
      coordinatorEnv: { BW_HTTP_TOKENS_FILE: tokensFile },
      // returns sampled every 250 ms of chain time, so correlations show within seconds
      correlatorConfig: () => `httpTokensFile: ${tokensFile}\nvolSampleMs: 250\ncorrelationMinSamples: 4\n`,
    });
    correlator = system.addresses["correlator http"]!;
    coordinator = system.addresses["coordinator http"]!;
    dashboard = await startDashboardProcess(system, {
      researcherToken: randomBytes(24).toString("hex"),
      upstreamTokenFile,
      pollMs: 300,
    });
    browser = await launchChromium();
    page = await browser.context.newPage();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.process.stop();
    await system?.stop();
    if (process.env["UPDATE_SCREENSHOTS"] !== "1") rmSync(shotsDir, { recursive: true, force: true });
    rmSync(secrets, { recursive: true, force: true });
  });

  it("refuses a request without a researcher token, the live feed included, and serves health openly", async () => {
    expect((await fetch(`${dashboard.url}/`)).status).toBe(401);
    expect((await fetch(`${dashboard.url}/v1/events`)).status).toBe(401);
    expect((await fetch(`${dashboard.url}/?token=${"x".repeat(32)}`)).status).toBe(401);
    expect((await fetch(`${dashboard.url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${dashboard.url}/metrics`)).text();
    expect(metrics).toMatch(/bw_dashboard_http_auth_refusals_total\{reason="unknown_token"\} 1/);
  });

  it("loads from the researcher's link and shows the system's exposure, ladder, prices, correlations and chains", async () => {
    await page.goto(dashboard.link);
    expect(page.url()).toBe(`${dashboard.url}/`); // the token moved into a cookie
    // a mark on the page's global object: gone if the page reloads
    await page.evaluate(() => Object.assign(globalThis, { loadedOnce: true }));
    loadedAtSequence = (
      await json<{ lastSequence: number }>(`${coordinator}/v1/signals?limit=1`, {
        headers: auth(upstreamToken),
      })
    ).lastSequence;

    // exposure: one heatmap cell per (venue, asset) with gross notional, as the correlator has them
    const exposure = await json<{ rows: { venueId: string; asset: string; grossNotional: number }[] }>(
      `${correlator}/v1/exposure`,
      { headers: auth(upstreamToken) },
    );
    const pairs = new Set(
      exposure.rows.filter((r) => r.grossNotional > 0).map((r) => `${r.venueId}/${r.asset}`),
    );
    expect(pairs.size).toBeGreaterThan(3);
    await eventually(
      async () => ((await attr(page, "#chart-exposure", "data-points")) === pairs.size ? true : undefined),
      10_000,
      "exposure cells",
    );
    const exposureText = await textOf(page.locator("#chart-exposure"));
    for (const v of ["perp-a", "perp-b", "ETH", "BTC", "SOL"]) expect(exposureText).toContain(v);
    await shoot(page, "exposure");

    // the ladder of the first asset: rungs drawn with the asset's price from the correlator
    await eventually(
      async () => ((await attr(page, "#chart-ladder", "data-points")) > 0 ? true : undefined),
      10_000,
      "ladder rungs",
    );
    const ladders = await json<{ ladders: { asset: string }[] }>(`${correlator}/v1/ladder`, {
      headers: auth(upstreamToken),
    });
    expect(await textOf(page.locator("#ladder-note"))).toMatch(
      new RegExp(`^${ladders.ladders[0]!.asset} at \\d`),
    );
    await shoot(page, "ladder");

    // reference prices: each asset with every chain's source
    const prices = await json<{
      prices: { asset: string; sources: { chainId: string; source: string }[] }[];
    }>(`${correlator}/v1/prices`, { headers: auth(upstreamToken) });
    await eventually(
      async () =>
        (await attr(page, "#view-prices", "data-rows")) === prices.prices.length ? true : undefined,
      10_000,
      "price rows",
    );
    const pricesText = await textOf(page.locator("#prices-table"));
    for (const s of prices.prices.flatMap((p) => p.sources)) {
      expect(pricesText).toContain(s.source);
      expect(pricesText).toContain(s.chainId);
    }
    await shoot(page, "prices");

    // correlations: the matrix gains the off-diagonal pairs once each asset is sampled enough
    let correlated = 0;
    await eventually(
      async () => {
        const vol = await json<{ correlations: unknown[] }>(`${correlator}/v1/volatility`, {
          headers: auth(upstreamToken),
        });
        correlated = vol.correlations.length;
        const n = await attr(page, "#chart-correlations", "data-points");
        return correlated > 0 && n === 3 + 2 * correlated ? true : undefined;
      },
      20_000,
      "the correlator's correlation pairs on the page",
    );
    expect(correlated).toBe(3);
    await shoot(page, "correlations");

    // chains: both simulated chains, fresh, with their heads
    const chainsText = await textOf(page.locator("#chains-table"));
    expect(chainsText).toMatch(/sim-a\s+\S+\s+\d+/);
    expect(chainsText).toMatch(/sim-b\s+\S+\s+\d+/);
    await shoot(page, "chains");
  });

  it("runs a what-if cascade from the form and plots its rounds and final prices", async () => {
    await page.selectOption("#whatif-asset", "ETH");
    await page.fill("#whatif-move", "-25");
    await page.click("#whatif-form button[type=submit]");
    await eventually(
      async () => ((await page.locator("#view-whatif").getAttribute("data-result")) ? true : undefined),
      10_000,
      "what-if result",
    );
    expect(await page.locator("#view-whatif").getAttribute("data-result")).toBe("ok");
    const rounds = await attr(page, "#view-whatif", "data-rounds");
    expect(rounds).toBeGreaterThan(0);
    expect(await attr(page, "#chart-whatif-rounds", "data-series")).toBe(1);
    expect(await attr(page, "#chart-whatif-rounds", "data-points")).toBeGreaterThan(0);
    // initial and final price of every asset the cascade touched
    expect(await attr(page, "#chart-whatif-prices", "data-series")).toBe(2);
    expect(await page.locator("#chart-whatif-rounds svg path").count()).toBeGreaterThan(0);
    expect(await textOf(page.locator("#whatif-summary"))).toMatch(
      /ETH -25\.0%: \d+ rounds.*[1-9]\d* positions liquidated/,
    );
    await shoot(page, "whatif");

    // a bad scenario is the correlator's typed refusal, shown on the page
    await page.fill("#whatif-move", "-150");
    await page.click("#whatif-form button[type=submit]");
    await eventually(
      async () =>
        (await page.locator("#view-whatif").getAttribute("data-result")) === "error" ? true : undefined,
      10_000,
      "what-if refusal",
    );
    expect(await textOf(page.locator("#whatif-summary"))).toMatch(/refused: shocks\[0\]\.move/);
  });

  it("receives an operator's advisory, the crash's halt and each venue's ack over the live feed, without reloading", async () => {
    const before = await attr(page, "#view-prices", "data-updates");
    // a signal issued after the page loaded reaches it
    const issued = await fetch(`${coordinator}/v1/operator/signals`, {
      method: "POST",
      headers: { ...auth(operatorToken), "content-type": "application/json" },
      body: JSON.stringify({
        action: "advisory",
        scope: { assets: ["BTC"] },
        reason: "dashboard live check",
        message: "watch BTC",
      }),
    });
    expect(issued.status).toBe(201);
    const issuedSequence = Number(
      ((await issued.json()) as { signal: { sequence: number } }).signal.sequence,
    );
    expect(issuedSequence).toBeGreaterThan(loadedAtSequence);
    const advisory = page.locator(`#signals-table tbody tr[data-sequence="${issuedSequence}"]`);
    await advisory.waitFor({ timeout: 10_000 });
    expect(await textOf(advisory)).toContain("advisory");
    expect(await textOf(advisory)).toContain("BTC");

    const row = page.locator("#signals-table tbody tr", { hasText: "circuit_breaker" }).first();
    await row.waitFor({ timeout: 40_000 });
    const sequence = Number(await row.getAttribute("data-sequence"));
    expect(sequence).toBeGreaterThan(0);
    // every venue's ack of that halt, in the state the coordinator has it (read together, as acks move on)
    let cells: string[] = [];
    let states: string[] = [];
    await eventually(
      async () => {
        const a = await json<{ acks: Record<string, string> }>(
          `${coordinator}/v1/acks/late?sequence=${sequence}`,
          { headers: auth(upstreamToken) },
        );
        states = VENUES.map((v) => (a.acks[v] ?? "").replace("ACK_STATE_", "").toLowerCase());
        cells = (await textOf(row)).split("\t").slice(-VENUES.length);
        return states.every((st) => st !== "") && cells.join() === states.join() ? true : undefined;
      },
      15_000,
      "acks of every venue on the page",
    ).catch((err: Error) => {
      throw new Error(`${err.message}: the page shows ${cells.join()}, the coordinator ${states.join()}`);
    });
    expect(await textOf(page.locator("#signals-table thead"))).toContain(VENUES.join("\t"));
    expect(await attr(page, "#chart-signals", "data-points")).toBeGreaterThan(0);
    await eventually(
      async () => ((await attr(page, "#view-prices", "data-updates")) > before ? true : undefined),
      5_000,
      "a price update",
    );
    expect(await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(
      true,
    );
    expect(await page.locator("#live").getAttribute("data-state")).toBe("live");
    await shoot(page, "signals");
  });
});
