import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, connectBus } from "@breakwater/bus";
import { black76, impliedVolatility, RISKMETRICS_HALF_LIFE_MS, YEAR_MS } from "@breakwater/core";
import { channelCredentialsOf } from "@breakwater/identity";
import { ExposureServiceClient, OptionKind, PositionSide } from "@breakwater/proto";
import { eventually, type NatsServer, sharedTestPkiNow, startNats } from "@breakwater/testkit";
import { credentials as grpcCredentials, status as grpcStatus } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  heartbeat,
  positionUpdate,
  priceTick,
  publishEvent,
  type RunningCorrelator,
  startCorrelator,
  T0,
} from "./test-harness.js";

const EVM_A = "0x00000000000000000000000000000000000000aa";
const EVM_B = "0x00000000000000000000000000000000000000bb";

type Unary = (req: unknown, cb: (err: Error | null, res: unknown) => void) => void;

/** Options expire a year after the test starts (greeks need time to expiry on the correlator's clock). */
const EXPIRY_MS = Date.now() + YEAR_MS;

describe("researcher API over real HTTP and gRPC", () => {
  let nats: NatsServer;
  let bus: Bus;
  let correlator: RunningCorrelator;
  let client: ExposureServiceClient;
  let dir: string;

  const grpc = (method: string, req: unknown): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) =>
      (client as unknown as Record<string, Unary>)[method]!.call(client, req, (err, res) =>
        err ? reject(err) : resolve(res as Record<string, unknown>),
      ),
    );
  const post = async (path: string, body: string) => {
    const res = await fetch(`${correlator.http}${path}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "bw-correlator-api-"));
    const config = join(dir, "correlator.yaml");
    writeFileSync(
      config,
      [
        "depth:",
        "  ETH: { notionalPer1Pct: 10000, exponent: 1 }",
        "insuranceFunds:",
        "  perp-a: 100",
        "entityMap:",
        '  "sim-b:Sol1": fund-x',
        "",
      ].join("\n"),
    );
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "researcher-api-test" });
    correlator = await startCorrelator(nats.url, {
      BW_CONFIG: config,
      BW_STALE_AFTER_MS: "60000",
      BW_SNAPSHOT_INTERVAL_MS: "150",
      BW_VOL_SAMPLE_MS: "1000",
      BW_LADDER_MAX_AGE_MS: "0",
    });
    client = new ExposureServiceClient(
      correlator.grpc,
      channelCredentialsOf(sharedTestPkiNow().researcherTls()),
    );

    for (const chain of ["sim-a", "sim-b"])
      await publishEvent(bus, { kind: "heartbeat", value: heartbeat(chain) });
    const positions = [
      positionUpdate({
        eventId: "a:1",
        account: EVM_A,
        size: "10",
        entryPrice: "2000",
        liquidationPrice: "1880",
      }),
      positionUpdate({
        eventId: "b:1",
        chainId: "sim-b",
        venueId: "perp-b",
        account: EVM_A.toUpperCase().replace("0X", "0x"),
        size: "5",
        liquidationPrice: "1800",
      }),
      positionUpdate({
        eventId: "a:2",
        account: EVM_B,
        side: PositionSide.POSITION_SIDE_SHORT,
        size: "4",
        liquidationPrice: "2100",
        collateralAsset: "USDC",
        collateralAmount: "1000",
      }),
      positionUpdate({
        eventId: "b:2",
        chainId: "sim-b",
        venueId: "lend-b",
        account: "Sol1",
        market: "ETH-LEND",
        side: PositionSide.POSITION_SIDE_SUPPLY,
        size: "3",
      }),
    ];
    // options positions: greeks only, never linear exposure (the ETH figures below ignore them)
    positions.push(
      positionUpdate({
        eventId: "a:opt:1",
        venueId: "opt-a",
        account: EVM_A,
        market: "ETH-C-2200",
        size: "2",
        option: {
          kind: OptionKind.OPTION_KIND_CALL,
          strike: "2200",
          expiryMs: EXPIRY_MS,
          impliedVolatility: "0.6",
          markPrice: "",
        },
      }),
      positionUpdate({
        eventId: "b:opt:1",
        chainId: "sim-b",
        venueId: "opt-b",
        account: "Sol1",
        market: "ETH-P-1800",
        side: PositionSide.POSITION_SIDE_SHORT,
        size: "1.5",
        option: {
          kind: OptionKind.OPTION_KIND_PUT,
          strike: "1800",
          expiryMs: EXPIRY_MS,
          impliedVolatility: "",
          markPrice: "120",
        },
      }),
      positionUpdate({
        eventId: "a:opt:2",
        venueId: "opt-a",
        account: EVM_B,
        market: "SOL-C-200",
        asset: "SOL",
        size: "10",
        option: {
          kind: OptionKind.OPTION_KIND_CALL,
          strike: "200",
          expiryMs: EXPIRY_MS,
          impliedVolatility: "0.9",
          markPrice: "",
        },
      }),
    );
    for (const p of positions) await publishEvent(bus, { kind: "position", value: p });
    const ticks = [
      priceTick({ eventId: "pa:0", asset: "BTC", price: "60000", chainTimeMs: T0 }),
      priceTick({ eventId: "pa:1", price: "1990", chainTimeMs: T0 }),
      priceTick({ eventId: "pa:2", asset: "BTC", price: "61000", chainTimeMs: T0 + 1_000 }),
      priceTick({ eventId: "pa:3", price: "2010", chainTimeMs: T0 + 1_000 }),
      priceTick({ eventId: "pa:4", asset: "BTC", price: "60500", chainTimeMs: T0 + 2_000 }),
      priceTick({ eventId: "pa:5", price: "2000", chainTimeMs: T0 + 2_000 }),
      priceTick({ eventId: "pb:1", chainId: "sim-b", price: "2000", chainTimeMs: T0 + 2_000 }),
      // a lone source that jumps
      priceTick({
        eventId: "pb:2",
        chainId: "sim-b",
        source: "pyth",
        price: "2600",
        chainTimeMs: T0 + 2_000,
      }),
      priceTick({ eventId: "pa:6", asset: "BTC", price: "61500", chainTimeMs: T0 + 3_000 }),
    ];
    for (const t of ticks) await publishEvent(bus, { kind: "price", value: t });
    await eventually(async () => {
      const res = await correlator.get("/v1/prices?asset=ETH");
      const prices = (res.body as { prices: { sources: unknown[] }[] }).prices;
      return prices[0]?.sources.length === 3 ? true : undefined;
    });
    await eventually(async () => {
      const res = await correlator.get("/v1/prices?asset=BTC");
      const prices = (res.body as { prices: { price: string }[] }).prices;
      return prices[0]?.price === "61500" ? true : undefined;
    });
  });

  afterAll(async () => {
    client?.close();
    correlator?.close();
    await correlator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves an OpenAPI document naming every endpoint", async () => {
    const res = await correlator.get("/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.body as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/v1/assets",
      "/v1/chains",
      "/v1/exposure",
      "/v1/greeks",
      "/v1/history",
      "/v1/ladder",
      "/v1/prices",
      "/v1/snapshots",
      "/v1/stress",
      "/v1/volatility",
    ]);
  });

  it("reference prices list every source; the lone jumping source is rejected, the same on gRPC", async () => {
    const http = (await correlator.get("/v1/prices?asset=ETH")).body as Record<string, unknown>;
    const [eth] = http["prices"] as Record<string, unknown>[];
    expect(eth).toMatchObject({
      asset: "ETH",
      price: "2000",
      agreeingSources: 2,
      freshSources: 3,
      unpriceable: false,
    });
    const pyth = (eth!["sources"] as Record<string, unknown>[]).find((s) => s["source"] === "pyth")!;
    expect(pyth).toMatchObject({
      chainId: "sim-b",
      price: "2600",
      fresh: true,
      agreeing: false,
      chainStale: false,
      excluded: "outlier",
    });
    const viaGrpc = await grpc("getReferencePrices", { asset: "ETH" });
    expect(viaGrpc["prices"]).toEqual(http["prices"]);
  });

  it("exposure by entity joins the same EVM address across chains; the entity map names others", async () => {
    const rows = (await correlator.exposure(`entity=${EVM_A}`)).rows;
    expect(rows.map((r) => [r.chainId, r.venueId, r.longNotional])).toEqual([
      ["sim-a", "perp-a", 10 * 2000],
      ["sim-b", "perp-b", 5 * 2000],
    ]);
    expect((await correlator.exposure("entity=fund-x")).rows.map((r) => r.collateralValue)).toEqual([
      3 * 2000,
    ]);
    const viaGrpc = await grpc("getExposure", { asset: "", chainId: "", venueId: "", entity: EVM_A });
    expect((viaGrpc["snapshot"] as { rows: unknown[] }).rows).toHaveLength(2);
  });

  it("asset risk: totals by venue and chain, collateral across venues, leverage and concentration", async () => {
    const http = (await correlator.get("/v1/assets?asset=ETH")).body as { assets: Record<string, unknown>[] };
    const eth = http.assets[0]!;
    expect(eth["total"]).toMatchObject({ longNotional: 15 * 2000, shortNotional: 4 * 2000, positions: 4 });
    expect((eth["byChain"] as Record<string, unknown>[]).map((t) => [t["key"], t["positions"]])).toEqual([
      ["sim-a", 2],
      ["sim-b", 2],
    ]);
    expect(eth["entities"]).toBe(3);
    const top = (eth["topEntities"] as Record<string, unknown>[])[0]!;
    expect(top).toMatchObject({ entity: EVM_A, size: 15 });
    expect(eth["hhi"]).toBeCloseTo((15 ** 2 + 4 ** 2 + 3 ** 2) / 22 ** 2, 12);
    const lev = eth["leverage"] as Record<string, unknown>[];
    expect(lev.find((b) => b["from"] === 10)).toMatchObject({ positions: 1, size: 10 }); // 2000/(2000-1880) = 16.7x
    const usdc = (await correlator.get("/v1/assets?asset=USDC")).body as {
      assets: Record<string, unknown>[];
    };
    expect(usdc.assets[0]!["collateralByVenue"]).toEqual([]); // USDC has no price: collateral valued at 0
    expect((await grpc("getAssetRisk", { asset: "ETH" }))["assets"]).toEqual(http.assets);
  });

  it("options greeks per asset and venue over HTTP and gRPC; no reference price = unpriceable", async () => {
    type Greeks = { delta?: number; gamma?: number; vega?: number; positions: number; unpriced: number };
    type Answer = {
      takenAtMs: number;
      staleChains: string[];
      rate: number;
      assets: (Greeks & {
        asset: string;
        referencePrice: string;
        unpriceable: boolean;
        expired: number;
        chains: string[];
        byVenue: (Greeks & { venueId: string })[];
      })[];
    };
    const res = await correlator.get("/v1/greeks");
    expect(res.status).toBe(200);
    const http = res.body as Answer;
    expect(http.assets.map((a) => a.asset)).toEqual(["ETH", "SOL"]);
    expect(http).toMatchObject({ staleChains: [], rate: 0 });
    const [eth, sol] = http.assets;
    // Black-76 on the reference price 2000 at the answer's own time
    const years = (EXPIRY_MS - http.takenAtMs) / YEAR_MS;
    const call = black76({ forward: 2000, strike: 2200, years, sigma: 0.6, rate: 0, call: true });
    const putTerms = { forward: 2000, strike: 1800, years, rate: 0, call: false };
    const putSigma = impliedVolatility(putTerms, 120)!;
    const put = black76({ ...putTerms, sigma: putSigma });
    expect(eth).toMatchObject({
      referencePrice: "2000",
      unpriceable: false,
      positions: 2,
      unpriced: 0,
      expired: 0,
      chains: ["sim-a", "sim-b"],
    });
    expect(eth!.delta).toBeCloseTo(2 * call.delta - 1.5 * put.delta, 9);
    expect(eth!.gamma).toBeCloseTo(2 * call.gamma - 1.5 * put.gamma, 12);
    expect(eth!.vega).toBeCloseTo(2 * call.vega - 1.5 * put.vega, 6);
    expect(eth!.byVenue.map((v) => v.venueId)).toEqual(["opt-a", "opt-b"]);
    expect(eth!.byVenue[1]!.delta).toBeCloseTo(-1.5 * put.delta, 9);
    // SOL was never priced: counted, no greeks at all (not zeros)
    expect(sol).toEqual({
      asset: "SOL",
      referencePrice: "",
      unpriceable: true,
      positions: 1,
      unpriced: 1,
      expired: 0,
      byVenue: [{ venueId: "opt-a", positions: 1, unpriced: 1, expired: 0 }],
      chains: ["sim-a"],
    });
    const one = (await correlator.get("/v1/greeks?asset=ETH&venue=opt-b")).body as Answer;
    expect(one.assets).toHaveLength(1);
    expect(one.assets[0]).toMatchObject({ positions: 1, chains: ["sim-b"] });
    expect(one.assets[0]!.delta).toBeCloseTo(-1.5 * put.delta, 9);

    const viaGrpc = (await grpc("getGreeks", { asset: "", venueId: "" })) as unknown as Answer;
    expect(viaGrpc.assets.map((a) => [a.asset, a.unpriceable, a.positions, a.chains])).toEqual(
      http.assets.map((a) => [a.asset, a.unpriceable, a.positions, a.chains]),
    );
    expect(viaGrpc.assets[0]!.delta).toBeCloseTo(eth!.delta!, 6);
    expect(viaGrpc.assets[0]!.vega).toBeCloseTo(eth!.vega!, 3);
    expect(viaGrpc.assets[1]!.delta).toBeUndefined();

    expect(await correlator.get("/v1/greeks?venue=bad%20venue")).toEqual({
      status: 400,
      body: {
        error: "invalid_query",
        field: "venue",
        reason: '"bad venue" is not a venue id (letters, digits, _ . : / -)',
      },
    });
    expect((await correlator.get("/v1/greeks?strike=1")).body).toMatchObject({ field: "strike" });
    expect((await correlator.get("/v1/greeks?asset=")).body).toMatchObject({ field: "asset" });
    await expect(grpc("getGreeks", { asset: "", venueId: "bad venue" })).rejects.toMatchObject({
      code: grpcStatus.INVALID_ARGUMENT,
      details: expect.stringMatching(/^venue_id: /),
    });
  });

  it("the liquidation ladder over HTTP and gRPC; invalid steps name the field", async () => {
    const http = (await correlator.get("/v1/ladder?asset=ETH")).body as {
      ladders: Record<string, unknown>[];
    };
    const eth = http.ladders[0]!;
    const rungs = eth["rungs"] as { moveBps: number; size: number; cumulativeNotional: number }[];
    expect(rungs).toHaveLength(201);
    expect(rungs.find((r) => r.moveBps === -600)!.size).toBe(10); // 1880 = -6%
    expect(rungs.find((r) => r.moveBps === -1000)!.size).toBe(5);
    expect(rungs.find((r) => r.moveBps === 500)!.size).toBe(4);
    expect(rungs.find((r) => r.moveBps === -5000)!.cumulativeNotional).toBeCloseTo(10 * 1880 + 5 * 1800, 6);
    expect((await grpc("getLadder", { asset: "ETH", stepBps: 0, rangeBps: 0 }))["ladders"]).toEqual(
      http.ladders,
    );
    expect(await correlator.get("/v1/ladder?asset=ETH&stepBps=30")).toEqual({
      status: 400,
      body: { error: "invalid_query", field: "rangeBps", reason: "must be a multiple of step_bps (30)" },
    });
    expect((await correlator.get("/v1/ladder?stepBps=abc")).body).toMatchObject({ field: "stepBps" });
    await expect(grpc("getLadder", { asset: "", stepBps: -1, rangeBps: 0 })).rejects.toMatchObject({
      code: grpcStatus.INVALID_ARGUMENT,
      details: expect.stringMatching(/^step_bps: /),
    });
  });

  it("volatility and correlation from sampled reference prices", async () => {
    const http = (await correlator.get("/v1/volatility")).body as Record<string, unknown>;
    expect(http).toMatchObject({
      sampleMs: 1000,
      horizonMs: 86_400_000,
      halfLifeMs: RISKMETRICS_HALF_LIFE_MS,
    });
    // the memory is a time: RiskMetrics' daily λ 0.94, whatever the one-second sampling makes of it per sample
    expect(http["dailyLambda"]).toBeCloseTo(0.94, 6);
    expect(http["lambda"]).toBeCloseTo(0.5 ** (1_000 / RISKMETRICS_HALF_LIFE_MS), 12);
    const assets = http["assets"] as { asset: string; samples: number; volatility: number }[];
    expect(assets.map((a) => a.asset)).toEqual(["BTC", "ETH"]);
    expect(assets.every((a) => a.samples >= 2 && a.volatility > 0)).toBe(true);
    const [pair] = http["correlations"] as { assetA: string; assetB: string; correlation: number }[];
    expect(pair).toMatchObject({ assetA: "BTC", assetB: "ETH" });
    expect(Math.abs(pair!.correlation)).toBeLessThanOrEqual(1);
    expect((await grpc("getVolatility", { asset: "ETH" }))["correlations"]).toEqual(http["correlations"]);
  });

  it("identity: the gRPC API needs a verified researcher, operator or admin certificate; venues and strangers are refused", async () => {
    const pki = sharedTestPkiNow();
    const call = (c: ExposureServiceClient) =>
      new Promise<number | undefined>((resolve) =>
        c.getChainFreshness({ chainId: "sim-a" }, (err) => {
          c.close();
          resolve(err?.code);
        }),
      );
    const { readFileSync } = await import("node:fs");
    const anonymous = new ExposureServiceClient(
      correlator.grpc,
      grpcCredentials.createSsl(readFileSync(pki.caFile)),
    );
    expect(await call(anonymous)).toBe(grpcStatus.UNAUTHENTICATED);
    const venue = new ExposureServiceClient(correlator.grpc, channelCredentialsOf(pki.venueTls("perp-a")));
    expect(await call(venue)).toBe(grpcStatus.PERMISSION_DENIED);
    const operator = new ExposureServiceClient(correlator.grpc, channelCredentialsOf(pki.operatorTls()));
    expect(await call(operator)).toBeUndefined();
    const metrics = (await correlator.get("/metrics")).body as string;
    expect(metrics).toMatch(
      /bw_correlator_auth_refusals_total\{method="GetChainFreshness",reason="no_verified_certificate"\} 1/,
    );
    expect(metrics).toMatch(
      /bw_correlator_auth_refusals_total\{method="GetChainFreshness",reason="wrong_role"\} 1/,
    );
  });

  it("chain freshness on gRPC matches HTTP", async () => {
    const http = (await correlator.get("/v1/chains?chain=sim-a")).body as {
      chains: Record<string, unknown>[];
    };
    expect(http.chains[0]).toMatchObject({ chainId: "sim-a", stale: false, status: "CHAIN_STATUS_HEALTHY" });
    const viaGrpc = await grpc("getChainFreshness", { chainId: "sim-a" });
    expect((viaGrpc["chains"] as Record<string, unknown>[])[0]).toMatchObject({
      chainId: "sim-a",
      stale: false,
    });
  });

  it("POST /v1/stress runs a cascade; bad debt beyond the insurance fund; the same on gRPC", async () => {
    const scenario = { shocks: [{ asset: "ETH", move: -0.07 }], maxRounds: 10 };
    const res = await post("/v1/stress", JSON.stringify(scenario));
    expect(res.status).toBe(200);
    // 1860 liquidates the 10 ETH long (20,000 sold at the reference → -2% impact), then 1820 > 1800: fixed point
    expect(res.body).toMatchObject({
      rounds: 1,
      converged: true,
      liquidatedPositions: 1,
      liquidatedNotional: 20_000,
    });
    const [venue] = res.body["venues"] as Record<string, number>[];
    expect(venue).toMatchObject({ venueId: "perp-a", positions: 1, notional: 20_000, insuranceFund: 100 });
    expect(venue!["badDebt"]).toBeCloseTo(10 * (1880 - 1860), 6);
    expect(venue!["uncovered"]).toBeCloseTo(100, 6);
    expect((res.body["assets"] as Record<string, number>[])[0]!["finalPrice"]).toBeCloseTo(1820, 6);
    const deeper = await post("/v1/stress", JSON.stringify({ shocks: [{ asset: "ETH", move: -0.12 }] }));
    // 1760 takes both longs: bad debt 10×(1880−1760) on perp-a, 5×(1800−1760) on perp-b (no fund)
    expect(deeper.body).toMatchObject({ liquidatedPositions: 2, liquidatedNotional: 30_000 });
    const venues = deeper.body["venues"] as Record<string, number>[];
    expect(venues.map((v) => v["venueId"])).toEqual(["perp-a", "perp-b"]);
    expect(venues[0]!["uncovered"]).toBeCloseTo(1_100, 6);
    expect(venues[1]!["uncovered"]).toBeCloseTo(200, 6);
    expect(deeper.body["badDebt"]).toBeCloseTo(1_400, 6);
    const viaGrpc = await grpc("runStress", {
      shocks: scenario.shocks,
      maxRounds: 10,
      depth: [],
      insuranceFunds: [],
      propagate: false,
    });
    expect(viaGrpc).toEqual(res.body);
  });

  it("invalid or oversized scenarios are refused with the field and the limit", async () => {
    expect(await post("/v1/stress", JSON.stringify({ shocks: [{ asset: "ETH", move: -2 }] }))).toEqual({
      status: 400,
      body: {
        error: "invalid_query",
        field: "shocks[0].move",
        reason: "must be a relative move in [-0.99, 10]",
      },
    });
    expect((await post("/v1/stress", "{not json")).body).toMatchObject({ field: "body" });
    expect((await post("/v1/stress", JSON.stringify({ shocks: [], colour: 1 }))).status).toBe(400);
    expect(
      (await post("/v1/stress", JSON.stringify({ shocks: [{ asset: "DOGE", move: -0.1 }] }))).body,
    ).toMatchObject({ field: "shocks[0].asset", reason: 'no position holds "DOGE"' });
    const many = { shocks: Array.from({ length: 65 }, () => ({ asset: "ETH", move: -0.1 })) };
    expect(await post("/v1/stress", JSON.stringify(many))).toEqual({
      status: 400,
      body: { error: "invalid_query", field: "shocks", reason: "at most 64 shocks (got 65)" },
    });
    const huge = await post("/v1/stress", JSON.stringify({ shocks: [], pad: "x".repeat(70_000) }));
    expect(huge).toEqual({
      status: 413,
      body: { error: "request_too_large", limitBytes: 65_536, reason: "the body exceeds 65536 bytes" },
    });
    expect((await correlator.get("/v1/stress")).status).toBe(405);
    await expect(
      grpc("runStress", { shocks: [], maxRounds: 0, depth: [], insuranceFunds: [], propagate: false }),
    ).rejects.toMatchObject({
      code: grpcStatus.INVALID_ARGUMENT,
      details: "shocks: give at least one shock",
    });
  });

  it("snapshot history by time range, paged, over HTTP and gRPC", async () => {
    type Page = { snapshots: { takenAtMs: number }[]; nextPageToken: string };
    const all = await eventually(async () => {
      const page = (await correlator.get("/v1/snapshots?pageSize=100")).body as Page;
      return page.snapshots.length >= 4 ? page.snapshots : undefined;
    });
    const from = all[1]!.takenAtMs;
    const first = (await correlator.get(`/v1/snapshots?fromMs=${from}&pageSize=2`)).body as Page;
    expect(first.snapshots.map((s) => s.takenAtMs)).toEqual([all[1]!.takenAtMs, all[2]!.takenAtMs]);
    expect(first.nextPageToken).toMatch(/^seq:\d+$/);
    const second = (
      await correlator.get(`/v1/snapshots?fromMs=${from}&pageSize=2&pageToken=${first.nextPageToken}`)
    ).body as Page;
    expect(second.snapshots[0]!.takenAtMs).toBe(all[3]!.takenAtMs);
    const bounded = (await correlator.get(`/v1/snapshots?fromMs=${from}&toMs=${from}`)).body as Page;
    expect(bounded).toEqual({ snapshots: [expect.objectContaining({ takenAtMs: from })], nextPageToken: "" });
    const viaGrpc = await grpc("listSnapshots", { fromMs: from, toMs: 0, pageSize: 2, pageToken: "" });
    expect((viaGrpc["snapshots"] as { takenAtMs: number }[]).map((s) => s.takenAtMs)).toEqual(
      first.snapshots.map((s) => s.takenAtMs),
    );
    expect(viaGrpc["nextPageToken"]).toBe(first.nextPageToken);
    expect((await correlator.get("/v1/snapshots?pageSize=1000")).body).toMatchObject({ field: "pageSize" });
    expect((await correlator.get("/v1/snapshots?pageToken=nope")).body).toMatchObject({ field: "pageToken" });
    expect((await correlator.get(`/v1/snapshots?fromMs=10&toMs=5`)).body).toMatchObject({ field: "toMs" });
  });
});
