// The OpenAPI document's examples, computed by the code that answers the
// requests: a small correlator state (ETH and BTC on two chains, at a fixed
// instant) queried with each operation's example parameters. So an example
// is always a shape and a set of figures the service really produces; the
// companion test asks the HTTP routes the same questions and compares.

import { encodeHistoryCursor, historyQueryOf, InvalidRequestError } from "@breakwater/core";
import {
  ChainStatus,
  GetAssetRiskRequest,
  GetChainFreshnessRequest,
  GetGreeksRequest,
  GetLadderRequest,
  GetReferencePricesRequest,
  GetVolatilityRequest,
  HaltMode,
  ListSnapshotsRequest,
  OptionKind,
  PositionSide,
  PositionStatus,
  type PositionUpdate,
  Signal,
  SignalKind,
} from "@breakwater/proto";
import { CorrelatorState } from "./correlator-state.js";
import { parseExposureQuery } from "./exposure-query.js";
import { httpFieldOf } from "./http-field.js";
import {
  assetRisk,
  chainFreshness,
  greeks,
  ladder,
  referencePrices,
  runStress,
  volatility,
} from "./research-queries.js";
import { parseSnapshotPage } from "./snapshot-history.js";
import { exposureSnapshotJson } from "./snapshot-json.js";
import { parseStressBody } from "./stress-body.js";

/** The instant every example is computed at: 2026-12-04T18:00:00Z. */
export const EXAMPLE_NOW = Date.UTC(2026, 11, 4, 18, 0, 0);

const position = (p: Partial<PositionUpdate> & Pick<PositionUpdate, "eventId">): PositionUpdate => ({
  chainId: "sim-a",
  venueId: "perp-a",
  account: "0x00000000000000000000000000000000000000aa",
  market: "ETH-PERP",
  asset: "ETH",
  side: PositionSide.POSITION_SIDE_LONG,
  status: PositionStatus.POSITION_STATUS_OPEN,
  size: "10",
  entryPrice: "2000",
  collateralAsset: "USDC",
  collateralAmount: "4000",
  liquidationPrice: "1820",
  coordinates: undefined,
  chainTimeMs: EXAMPLE_NOW - 2_000,
  observedAtMs: EXAMPLE_NOW - 1_500,
  ...p,
});

/** Two perp venues on two chains and an options venue, ETH and BTC priced by each chain's oracle, both chains healthy. */
export function exampleState(): CorrelatorState {
  const state = new CorrelatorState({ staleAfterMs: 60_000, priceFreshMs: 30_000 });
  const at = EXAMPLE_NOW - 1_000;
  for (const chainId of ["sim-a", "sim-b"])
    state.apply(
      {
        kind: "heartbeat",
        value: {
          chainId,
          headNumber: 1_000,
          headHash: "0x3e8",
          headTimeMs: at,
          processedNumber: 998,
          observedAtMs: at,
          status: ChainStatus.CHAIN_STATUS_HEALTHY,
          detail: "",
        },
      },
      at,
    );
  for (const [chainId, asset, price] of [
    ["sim-a", "ETH", "2000"],
    ["sim-b", "ETH", "2001.5"],
    ["sim-a", "BTC", "90000"],
    ["sim-b", "BTC", "90010"],
  ] as const)
    state.apply(
      {
        kind: "price",
        value: {
          eventId: `${chainId}:price:${asset}`,
          chainId,
          source: "oracle",
          asset,
          price,
          coordinates: undefined,
          chainTimeMs: at,
          observedAtMs: at,
        },
      },
      at,
    );
  for (const p of [
    position({ eventId: "sim-a:0xb1:1" }),
    position({
      eventId: "sim-b:0xb2:1",
      chainId: "sim-b",
      venueId: "perp-b",
      side: PositionSide.POSITION_SIDE_SHORT,
      size: "4",
      liquidationPrice: "2150",
    }),
    position({
      eventId: "sim-b:0xb2:2",
      chainId: "sim-b",
      venueId: "perp-b",
      market: "BTC-PERP",
      asset: "BTC",
      size: "0.5",
      entryPrice: "88000",
      collateralAmount: "9000",
      liquidationPrice: "72000",
    }),
    position({
      eventId: "sim-a:0xb1:opt:1",
      venueId: "opt-a",
      market: "ETH-C-2200",
      size: "20",
      entryPrice: "",
      collateralAmount: "",
      liquidationPrice: "",
      option: {
        kind: OptionKind.OPTION_KIND_CALL,
        strike: "2200",
        expiryMs: EXAMPLE_NOW + 30 * 86_400_000,
        impliedVolatility: "0.6",
        markPrice: "",
      },
    }),
  ])
    state.apply({ kind: "position", value: p }, at);
  return state;
}

/** A request's example query parameters, and a bad one with the 400 it gets. */
export interface OperationExample {
  readonly params: Record<string, string | number>;
  readonly answer: unknown;
  readonly badParams: Record<string, string | number>;
  /** Examples of the parameters the example request leaves out. */
  readonly otherParams?: Record<string, string | number>;
  readonly refusal: unknown;
  /** POST only. */
  readonly body?: unknown;
  readonly badBody?: unknown;
}

const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** The 400 body the routes send for what `run` throws. */
function refusalOf(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    if (err instanceof InvalidRequestError) return { ...err.toJSON(), field: httpFieldOf(err.field) };
    throw err;
  }
  throw new Error("the bad example was accepted");
}

const BAD_ASSET = { asset: "not an asset" };

/** A level-1 ETH halt as the signal log holds it (signature cut short for the example). */
function exampleSignal(): Signal {
  return {
    sequence: 42,
    signalId: "circuit-breaker-l1:ETH:p1733335200",
    kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
    issuedAtMs: EXAMPLE_NOW - 30_000,
    effectiveAtMs: EXAMPLE_NOW - 29_500,
    expiresAtMs: 0,
    scope: { assets: ["ETH"], markets: [], venues: [], chains: [] },
    reason: "ETH fell 8% within 300000 ms",
    ruleId: "circuit-breaker",
    evidence: [{ name: "fall", value: 0.08, threshold: 0.07, detail: "" }],
    action: {
      $case: "circuitBreaker",
      value: { level: 1, durationMs: 900_000, mode: HaltMode.HALT_MODE_FULL },
    },
    leaderTerm: 3,
    keyId: "ed25519:5f2c9a41d07be3a8",
    signature: Buffer.alloc(8, 7),
  };
}

let cached: Record<string, OperationExample> | undefined;

/** Every operation's examples, by path (computed once). */
export function operationExamples(): Record<string, OperationExample> {
  if (cached) return cached;
  const s = exampleState();
  const now = EXAMPLE_NOW;
  const snapshot = exposureSnapshotJson(s.snapshot({}, now));
  const from = new Date(now - 3_600_000).toISOString();
  const to = new Date(now).toISOString();
  const stress = { shocks: [{ asset: "ETH", move: -0.1 }], maxRounds: 5 };
  const historyQuery = historyQueryOf({ from, to, kinds: ["snapshot", "signal"], limit: 2 });
  const historyCursor = encodeHistoryCursor(historyQuery, { kind: "signal", seq: 43 });
  cached = {
    "/v1/exposure": {
      params: { asset: "ETH" },
      answer: json(
        exposureSnapshotJson(s.snapshot(parseExposureQuery(new URLSearchParams({ asset: "ETH" })), now)),
      ),
      badParams: { chain: "not a chain!" },
      refusal: refusalOf(() => parseExposureQuery(new URLSearchParams({ chain: "not a chain!" }))),
      otherParams: { chain: "sim-a", venue: "perp-a", entity: "0x00000000000000000000000000000000000000aa" },
    },
    "/v1/assets": {
      params: { asset: "ETH" },
      answer: json(assetRisk(s, GetAssetRiskRequest.fromPartial({ asset: "ETH" }), now)),
      badParams: BAD_ASSET,
      refusal: refusalOf(() => assetRisk(s, GetAssetRiskRequest.fromPartial(BAD_ASSET), now)),
    },
    "/v1/ladder": {
      params: { asset: "ETH", stepBps: 250, rangeBps: 1000 },
      answer: json(
        ladder(s, GetLadderRequest.fromPartial({ asset: "ETH", stepBps: 250, rangeBps: 1000 }), now),
      ),
      badParams: { asset: "ETH", stepBps: 300, rangeBps: 1000 },
      refusal: refusalOf(() =>
        ladder(s, GetLadderRequest.fromPartial({ asset: "ETH", stepBps: 300, rangeBps: 1000 }), now),
      ),
    },
    "/v1/prices": {
      params: { asset: "ETH" },
      answer: json(referencePrices(s, GetReferencePricesRequest.fromPartial({ asset: "ETH" }), now)),
      badParams: BAD_ASSET,
      refusal: refusalOf(() => referencePrices(s, GetReferencePricesRequest.fromPartial(BAD_ASSET), now)),
    },
    "/v1/volatility": {
      params: { asset: "ETH" },
      answer: json(volatility(s, GetVolatilityRequest.fromPartial({ asset: "ETH" }), now)),
      badParams: BAD_ASSET,
      refusal: refusalOf(() => volatility(s, GetVolatilityRequest.fromPartial(BAD_ASSET), now)),
    },
    "/v1/greeks": {
      params: { asset: "ETH", venue: "opt-a" },
      answer: json(greeks(s, GetGreeksRequest.fromPartial({ asset: "ETH", venueId: "opt-a" }), now)),
      badParams: BAD_ASSET,
      refusal: refusalOf(() => greeks(s, GetGreeksRequest.fromPartial(BAD_ASSET), now)),
    },
    "/v1/chains": {
      params: { chain: "sim-a" },
      answer: json(chainFreshness(s, GetChainFreshnessRequest.fromPartial({ chainId: "sim-a" }), now)),
      badParams: { chain: "not a chain!" },
      refusal: refusalOf(() =>
        chainFreshness(s, GetChainFreshnessRequest.fromPartial({ chainId: "not a chain!" }), now),
      ),
    },
    "/v1/snapshots": {
      params: { fromMs: now - 3_600_000, toMs: now, pageSize: 20 },
      otherParams: { pageToken: "seq:43" },
      answer: json({ snapshots: [snapshot], nextPageToken: "" }),
      badParams: { fromMs: now, toMs: now - 3_600_000 },
      refusal: refusalOf(() =>
        parseSnapshotPage(ListSnapshotsRequest.fromPartial({ fromMs: now, toMs: now - 3_600_000 })),
      ),
    },
    "/v1/history": {
      params: { from, to, kinds: "snapshot,signal", limit: 2 },
      answer: json({
        entries: [
          { kind: "snapshot", snapshot },
          { kind: "signal", signal: Signal.toJSON(exampleSignal()) },
        ],
        nextCursor: historyCursor,
      }),
      otherParams: { cursor: historyCursor },
      badParams: { from: to, to: from },
      refusal: refusalOf(() => historyQueryOf({ from: to, to: from })),
    },
    "/v1/stress": {
      params: {},
      body: stress,
      answer: json(runStress(s, parseStressBody(JSON.stringify(stress)), now)),
      badParams: {},
      badBody: { shocks: [] },
      refusal: refusalOf(() => runStress(s, parseStressBody(JSON.stringify({ shocks: [] })), now)),
    },
  };
  return cached;
}
