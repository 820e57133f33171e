// The researcher queries, shared by HTTP and gRPC: each takes the proto
// request, validates it (InvalidRequestError naming the proto field) and answers with
// the proto response, so both transports return the same figures and names.
import {
  accountOfSlots,
  type DepthModel,
  InvalidRequestError,
  isAssetId,
  lendingAccountIndex,
  simulateCascade,
} from "@breakwater/core";
import type {
  AssetGreeks,
  AssetRisk,
  ExposureTotals,
  GetAssetRiskRequest,
  GetAssetRiskResponse,
  GetChainFreshnessRequest,
  GetChainFreshnessResponse,
  GetGreeksRequest,
  GetGreeksResponse,
  GetLadderRequest,
  GetLadderResponse,
  GetReferencePricesRequest,
  GetReferencePricesResponse,
  GetVolatilityRequest,
  GetVolatilityResponse,
  RunStressRequest,
  RunStressResponse,
  VenueGreeks,
} from "@breakwater/proto";
import type { CorrelatorState } from "./correlator-state.js";
import { check } from "./exposure-query.js";

/** Limits on a stress scenario; beyond them it is refused naming the limit. */
export const STRESS_LIMITS = {
  shocks: 64,
  depth: 256,
  insuranceFunds: 256,
  maxRounds: 100,
} as const;

function assetField(field: string, value: string): string | undefined {
  if (value === "") return undefined;
  if (!isAssetId(value)) throw new InvalidRequestError(field, `"${value.slice(0, 60)}" is not an asset id`);
  return value;
}

function staleChains(state: CorrelatorState, nowMs: number): string[] {
  return state.freshness.staleChains(nowMs);
}

function totals(
  group: string,
  key: string,
  cells: ReturnType<CorrelatorState["book"]["cellsMatching"]>,
  price: number,
): ExposureTotals {
  const t: ExposureTotals = {
    group,
    key,
    longNotional: 0,
    shortNotional: 0,
    netNotional: 0,
    grossNotional: 0,
    collateralValue: 0,
    borrowNotional: 0,
    positions: 0,
  };
  for (const c of cells) {
    t.longNotional += c.longSize * price;
    t.shortNotional += c.shortSize * price;
    t.collateralValue += (c.supplySize + c.collateralPostedSize) * price;
    t.borrowNotional += c.borrowSize * price;
    t.positions += c.positions;
  }
  t.netNotional = t.longNotional - t.shortNotional;
  t.grossNotional = t.longNotional + t.shortNotional;
  return t;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function assetRisk(
  state: CorrelatorState,
  req: GetAssetRiskRequest,
  nowMs: number,
): GetAssetRiskResponse {
  const only = assetField("asset", req.asset);
  const assets = only ? [only] : [...state.book.assets.all()].sort();
  const out: AssetRisk[] = [];
  for (const asset of assets) {
    const cells = state.book.cellsMatching({ asset });
    if (cells.length === 0) continue;
    const p = state.valuationPrice(asset);
    const price = Number.isFinite(p) && p > 0 ? p : 0;
    const conc = state.book.concentrationOf(asset, 10);
    const ref = state.prices.referenceOf(asset);
    const withPositions = cells.filter((c) => c.positions > 0);
    out.push({
      asset,
      referencePrice: ref?.price ?? "",
      total: totals("all", asset, cells, price),
      byVenue: [...groupBy(withPositions, (c) => c.venueId)].map(([k, cs]) => totals("venue", k, cs, price)),
      byChain: [...groupBy(withPositions, (c) => c.chainId)].map(([k, cs]) => totals("chain", k, cs, price)),
      collateralByVenue: [...groupBy(cells, (c) => c.venueId)]
        .map(([k, cs]) => totals("venue", k, cs, price))
        .filter((t) => t.collateralValue !== 0),
      leverage: state.book.leverageOf(asset).map((b) => ({
        from: b.from ?? 0,
        to: b.to ?? 0,
        unknown: b.from === null,
        positions: b.positions,
        size: b.size,
      })),
      hhi: conc.hhi,
      entities: conc.entities,
      topEntities: conc.top.map((t) => ({ entity: t.entity, size: t.size, share: t.share })),
      top1Share: conc.top[0]?.share ?? 0,
      top10Share: conc.top.reduce((s, t) => s + t.share, 0),
    });
  }
  return { takenAtMs: nowMs, assets: out, staleChains: staleChains(state, nowMs) };
}

export function ladder(state: CorrelatorState, req: GetLadderRequest, nowMs: number): GetLadderResponse {
  const asset = assetField("asset", req.asset);
  const stepBps = req.stepBps === 0 ? 50 : req.stepBps;
  const rangeBps = req.rangeBps === 0 ? 5_000 : req.rangeBps;
  if (!(Number.isInteger(stepBps) && stepBps >= 1 && stepBps <= 5_000))
    throw new InvalidRequestError("step_bps", "must be an integer from 1 to 5000");
  if (!(Number.isInteger(rangeBps) && rangeBps >= stepBps && rangeBps <= 9_900))
    throw new InvalidRequestError("range_bps", `must be an integer from step_bps (${stepBps}) to 9900`);
  if (rangeBps % stepBps !== 0)
    throw new InvalidRequestError("range_bps", `must be a multiple of step_bps (${stepBps})`);
  const ladders = state.ladders(asset, { stepBps, rangeBps }).map((l) => ({
    asset: l.asset,
    price: l.price,
    stepBps: l.stepBps,
    rungs: l.rungs.map((r) => ({ ...r })),
    beyondRangePositions: l.beyondRange.positions,
    beyondRangeNotional: l.beyondRange.notional,
    withoutLiquidationPrice: l.withoutLiquidationPrice,
  }));
  return { takenAtMs: nowMs, ladders, staleChains: staleChains(state, nowMs) };
}

export function referencePrices(
  state: CorrelatorState,
  req: GetReferencePricesRequest,
  nowMs: number,
): GetReferencePricesResponse {
  const only = assetField("asset", req.asset);
  const prices = [];
  for (const asset of only ? [only] : state.prices.assets()) {
    const ref = state.prices.referenceOf(asset);
    if (!ref) continue;
    prices.push({
      asset,
      price: ref.price,
      agreeingSources: ref.sources,
      freshSources: ref.freshSources,
      divergence: ref.divergence,
      unpriceable: ref.unpriceable,
      lastPrice: ref.lastPrice,
      newestMs: ref.newestMs,
      sources: ref.observations.map((o) => ({ ...o, chainStale: state.freshness.isStale(o.chainId, nowMs) })),
    });
  }
  return { takenAtMs: nowMs, prices, staleChains: staleChains(state, nowMs) };
}

export function volatility(
  state: CorrelatorState,
  req: GetVolatilityRequest,
  nowMs: number,
): GetVolatilityResponse {
  const only = assetField("asset", req.asset);
  const vol = state.volatility;
  const names = [...vol.ewma.assets.all()].sort();
  const assets = names
    .filter((a) => !only || a === only)
    .map((asset) => {
      const v = vol.volatility(asset);
      return { asset, volatility: Number.isFinite(v) ? v : 0, samples: vol.ewma.samplesOf(asset) };
    });
  const correlations = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = names[i]!;
      const b = names[j]!;
      if (only && a !== only && b !== only) continue;
      const rho = vol.correlation(a, b);
      if (Number.isFinite(rho)) correlations.push({ assetA: a, assetB: b, correlation: rho });
    }
  }
  correlations.sort((x, y) => y.correlation - x.correlation);
  return {
    takenAtMs: nowMs,
    lambda: vol.ewma.lambda,
    sampleMs: vol.sampleMs,
    horizonMs: vol.horizonMs,
    halfLifeMs: Math.round(vol.halfLifeMs),
    dailyLambda: vol.dailyLambda,
    assets,
    correlations,
    staleChains: staleChains(state, nowMs),
  };
}

export function chainFreshness(
  state: CorrelatorState,
  req: GetChainFreshnessRequest,
  nowMs: number,
): GetChainFreshnessResponse {
  const chainId = check("chain", "chain_id", req.chainId, true);
  const chains = state.freshness.view(nowMs).filter((c) => !chainId || c.chainId === chainId);
  return { takenAtMs: nowMs, chains, staleChains: chains.filter((c) => c.stale).map((c) => c.chainId) };
}

/** Discount rate of the greeks: 0, greeks on the forward (the reference price) undiscounted. */
export const GREEKS_RATE = 0;

/** Core totals as proto fields: the greeks only when priced (absent, not 0, otherwise). */
function greeksFields(t: {
  delta: number | undefined;
  gamma: number | undefined;
  vega: number | undefined;
  positions: number;
  unpriced: number;
  expired: number;
}): Omit<VenueGreeks, "venueId"> {
  return {
    ...(t.delta === undefined ? {} : { delta: t.delta, gamma: t.gamma, vega: t.vega }),
    positions: t.positions,
    unpriced: t.unpriced,
    expired: t.expired,
  };
}

/**
 * Delta, gamma and vega of the options positions per underlying asset (and
 * per venue), Black-76 on the asset's agreed reference price; an asset
 * without one is `unpriceable` with its positions counted and no greeks.
 */
export function greeks(state: CorrelatorState, req: GetGreeksRequest, nowMs: number): GetGreeksResponse {
  const only = assetField("asset", req.asset);
  const venueId = check("venue", "venue_id", req.venueId, true);
  const assets: AssetGreeks[] = [];
  for (const asset of only ? [only] : state.options.assets()) {
    const forward = state.optionsForward(asset);
    const g = state.options.greeks(asset, forward?.value, nowMs, GREEKS_RATE, { venueId });
    if (g.positions === 0 && !only) continue;
    assets.push({
      asset,
      referencePrice: forward?.price ?? "",
      unpriceable: forward === undefined,
      ...greeksFields(g),
      byVenue: g.byVenue.map((v) => ({ venueId: v.venueId, ...greeksFields(v) })),
      chains: [...g.chains],
    });
  }
  return { takenAtMs: nowMs, assets, staleChains: staleChains(state, nowMs), rate: GREEKS_RATE };
}

/** Validates a scenario against the limits and the known assets, then runs the cascade. */
export function runStress(state: CorrelatorState, req: RunStressRequest, nowMs: number): RunStressResponse {
  if (req.shocks.length === 0) throw new InvalidRequestError("shocks", "give at least one shock");
  if (req.shocks.length > STRESS_LIMITS.shocks)
    throw new InvalidRequestError(
      "shocks",
      `at most ${STRESS_LIMITS.shocks} shocks (got ${req.shocks.length})`,
    );
  if (req.depth.length > STRESS_LIMITS.depth)
    throw new InvalidRequestError(
      "depth",
      `at most ${STRESS_LIMITS.depth} entries (got ${req.depth.length})`,
    );
  if (req.insuranceFunds.length > STRESS_LIMITS.insuranceFunds)
    throw new InvalidRequestError(
      "insurance_funds",
      `at most ${STRESS_LIMITS.insuranceFunds} entries (got ${req.insuranceFunds.length})`,
    );
  const maxRounds = req.maxRounds === 0 ? 10 : req.maxRounds;
  if (!(Number.isInteger(maxRounds) && maxRounds >= 1 && maxRounds <= STRESS_LIMITS.maxRounds))
    throw new InvalidRequestError("max_rounds", `must be an integer from 1 to ${STRESS_LIMITS.maxRounds}`);
  const names = state.book.assets.all();
  const shocks = new Float64Array(names.length);
  req.shocks.forEach((s, i) => {
    const field = `shocks[${i}]`;
    const id = state.book.assets.find(assetField(`${field}.asset`, s.asset) ?? "");
    if (s.asset === "") throw new InvalidRequestError(`${field}.asset`, "is required");
    if (id < 0) throw new InvalidRequestError(`${field}.asset`, `no position holds "${s.asset}"`);
    if (!(Number.isFinite(s.move) && s.move >= -0.99 && s.move <= 10))
      throw new InvalidRequestError(`${field}.move`, "must be a relative move in [-0.99, 10]");
    shocks[id] = s.move;
  });
  const depth: (DepthModel | undefined)[] = names.map((a) => state.depthOf(a));
  req.depth.forEach((d, i) => {
    const field = `depth[${i}]`;
    const id = state.book.assets.find(assetField(`${field}.asset`, d.asset) ?? "");
    if (id < 0) throw new InvalidRequestError(`${field}.asset`, `no position holds "${d.asset}"`);
    if (!(d.notionalPer1pct > 0 && Number.isFinite(d.notionalPer1pct)))
      throw new InvalidRequestError(`${field}.notional_per_1pct`, "must be a positive number");
    if (!(d.exponent > 0 && d.exponent <= 2))
      throw new InvalidRequestError(`${field}.exponent`, "must be in (0, 2]");
    depth[id] = { notionalPer1Pct: d.notionalPer1pct, exponent: d.exponent };
  });
  const funds = new Map(Object.entries(state.insuranceFunds));
  req.insuranceFunds.forEach((f, i) => {
    if (!(f.amount >= 0 && Number.isFinite(f.amount)))
      throw new InvalidRequestError(`insurance_funds[${i}].amount`, "must be a non-negative number");
    funds.set(check("venue", `insurance_funds[${i}].venue_id`, f.venueId, false)!, f.amount);
  });
  const beta = req.propagate ? betaMatrix(state, names) : undefined;
  const cols = state.book.columns();
  const prices = state.priceColumn();
  // lending legs are re-solved as whole accounts under the shocked path
  const accounts = lendingAccountIndex(cols, accountOfSlots(cols, state.book.positions()), prices);
  const r = simulateCascade({
    cols,
    assetNames: names,
    venueNames: state.book.venues.all(),
    chainNames: state.book.chains.all(),
    prices,
    shocks,
    depth,
    beta,
    insuranceFunds: funds,
    maxRounds,
    accounts,
  });
  return {
    rounds: r.rounds,
    converged: r.converged,
    perRound: r.perRound.map((x) => ({ ...x })),
    liquidatedPositions: r.liquidatedPositions,
    liquidatedNotional: r.liquidatedNotional,
    venues: r.byVenue.map((x) => ({ ...x })),
    chains: r.byChain.map((x) => ({ ...x })),
    assets: r.assets.map((x) => ({ ...x })),
    badDebt: r.badDebt,
    uncoveredBadDebt: r.uncoveredBadDebt,
    staleChains: staleChains(state, nowMs),
  };
}

/** beta[j·n + i] = ρᵢⱼσⱼ/σᵢ from the EWMA figures, clamped to [0, 2]; 0 where unknown. */
function betaMatrix(state: CorrelatorState, names: readonly string[]): Float64Array {
  const n = names.length;
  const beta = new Float64Array(n * n);
  const vol = state.volatility.ewma;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const rho = vol.correlation(names[i]!, names[j]!);
      const si = vol.volatility(names[i]!);
      const sj = vol.volatility(names[j]!);
      const b = (rho * sj) / si;
      beta[j * n + i] = Number.isFinite(b) ? Math.max(0, Math.min(2, b)) : 0;
    }
  }
  return beta;
}
