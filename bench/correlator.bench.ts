/**
 * The correlator's exposure engine at scale: 1,000,000 positions across 10
 * venues, 4 chains and 50 assets. Each figure sits next to a naive baseline
 * measured in the same run (the same work recomputed from scratch over
 * position objects), and the ladder and the cascade next to numpy when
 * `python3 -c 'import numpy'` works.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { codecs } from "@breakwater/bus";
import {
  cellsFromScratch,
  ExposureBook,
  type LendingAccount,
  lendingAccountIndex,
  liquidationLadders,
  notionalOf,
  type PositionColumns,
  type PositionState,
  positionKey,
  positionStateOf,
  resolveAccountsAt,
  simulateCascade,
  solveLendingAccount,
} from "@breakwater/core";
import { CorrelatorState, DEFAULT_MAX_REVISIONS } from "@breakwater/correlator";
import { PositionSide, PositionStatus, PositionUpdate } from "@breakwater/proto";
import { type Figure, memoryUsed, percentile, saveReport, timeMs } from "./lib.js";

const POSITIONS = Number(process.env["BENCH_POSITIONS"] ?? 1_000_000);
const UPDATES = Number(process.env["BENCH_UPDATES"] ?? 300_000);
const VENUES = 10;
const CHAINS = 4;
const ASSETS = 50;
const CHUNK = 1_000;
const notes: string[] = [];

/** mulberry32: a small deterministic PRNG, so every run sees the same book. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const assetName = (a: number) => `A${a}`;
const priceOf = (a: number) => 100 * (1 + a);

/** Position i's update (revision v), round-tripped through protobuf like a consumed message. */
function positionBytes(i: number, v: number, rand: () => number): Uint8Array {
  const account = i >> 2;
  const a = (account * 4 + (i % 4)) % ASSETS;
  const venue = i % VENUES;
  const long = i % 2 === 0;
  const p = priceOf(a);
  const u = 0.01 + rand() * 0.59;
  return PositionUpdate.encode({
    eventId: `chain-${venue % CHAINS}:0x${(i * 7919 + v).toString(16).padStart(64, "0")}:${v}`,
    chainId: `chain-${venue % CHAINS}`,
    venueId: `venue-${venue}`,
    account: `0x${account.toString(16).padStart(40, "0")}`,
    market: `${assetName(a)}-PERP`,
    asset: assetName(a),
    side: long ? PositionSide.POSITION_SIDE_LONG : PositionSide.POSITION_SIDE_SHORT,
    status: PositionStatus.POSITION_STATUS_OPEN,
    size: (0.1 + rand() * 10).toFixed(4),
    entryPrice: String(p),
    collateralAsset: "USDC",
    collateralAmount: (10 + rand() * 1000).toFixed(2),
    liquidationPrice: (long ? p * (1 - u) : p * (1 + u)).toFixed(4),
    coordinates: undefined,
    chainTimeMs: 1,
    observedAtMs: 1,
  }).finish();
}

function chunkOf(from: number, to: number, v: number, pick: (k: number) => number, rand: () => number) {
  const out: PositionUpdate[] = [];
  for (let k = from; k < to; k++) out.push(PositionUpdate.decode(positionBytes(pick(k), v + k, rand)));
  return out;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

// ---------------------------------------------------------------- load
const rand = prng(42);
gc();
const memoryBefore = await memoryUsed();
const state = new CorrelatorState({ staleAfterMs: 60_000, priceFreshMs: 60_000, ladderMaxAgeMs: 60_000 });
for (let a = 0; a < ASSETS; a++)
  state.prices.observe({
    asset: assetName(a),
    chainId: "chain-0",
    source: "oracle",
    price: String(priceOf(a)),
    chainTimeMs: 1,
  });
let loadMs = 0;
for (let from = 0; from < POSITIONS; from += CHUNK) {
  const chunk = chunkOf(from, Math.min(POSITIONS, from + CHUNK), 0, (k) => k, rand);
  loadMs += await timeMs(() => {
    for (const u of chunk) state.book.apply(u);
  });
}
const memoryLoaded = await memoryUsed();
const bytesPerPosition = (memoryLoaded - memoryBefore) / POSITIONS;
process.stdout.write(`loaded ${state.book.positionCount} positions in ${loadMs.toFixed(0)} ms\n`);

// ---------------------------------------------------------------- sustained updates
const pickRand = prng(7);
let updateMs = 0;
for (let from = 0; from < UPDATES; from += CHUNK) {
  const chunk = chunkOf(
    from,
    Math.min(UPDATES, from + CHUNK),
    1 + Math.floor(from / POSITIONS),
    () => Math.floor(pickRand() * POSITIONS),
    rand,
  );
  updateMs += await timeMs(() => {
    for (const u of chunk) state.book.apply(u);
  });
}
const updatesPerSecond = (UPDATES / updateMs) * 1_000;
const bytesAfterUpdates = ((await memoryUsed()) - memoryBefore) / POSITIONS;

// worst case: every position holding as many revisions as the book keeps for reorg retractions
const WORST_POSITIONS = 50_000;
const KEPT_REVISIONS = DEFAULT_MAX_REVISIONS;
let bytesWorstCase: number;
{
  const before = await memoryUsed();
  const book = new ExposureBook({ maxRevisions: KEPT_REVISIONS });
  const r = prng(3);
  for (let v = 0; v < KEPT_REVISIONS; v++)
    for (let from = 0; from < WORST_POSITIONS; from += CHUNK)
      for (const u of chunkOf(from, from + CHUNK, v * POSITIONS, (k) => k, r)) book.apply(u);
  bytesWorstCase = ((await memoryUsed()) - before) / book.positionCount;
  notes.push(
    `worst case: ${WORST_POSITIONS.toLocaleString("en-US")} positions with ${KEPT_REVISIONS} revisions each (the correlator's default BW_MAX_REVISIONS)`,
  );
}

// naive: keep position states in a map and recompute every aggregate for each batch of updates
const naiveStore = new Map<string, PositionState>();
for (const p of state.book.positions()) naiveStore.set(positionKey(p), p);
const NAIVE_BATCHES = 2;
let naiveMs = 0;
for (let b = 0; b < NAIVE_BATCHES; b++) {
  const chunk = chunkOf(0, CHUNK, 9, () => Math.floor(pickRand() * POSITIONS), rand);
  naiveMs += await timeMs(() => {
    for (const u of chunk) {
      const s = positionStateOf(u);
      if (s) naiveStore.set(positionKey(s), s);
    }
    cellsFromScratch(naiveStore.values());
  });
}
const naiveUpdatesPerSecond = ((NAIVE_BATCHES * CHUNK) / naiveMs) * 1_000;

// ---------------------------------------------------------------- snapshot
const snapshotTimes: number[] = [];
for (let i = 0; i < 15; i++)
  snapshotTimes.push(await timeMs(() => codecs.snapshot.encode(state.snapshot({}, Date.now()))));
const naiveSnapshotTimes: number[] = [];
const prices = new Map(Array.from({ length: ASSETS }, (_, a) => [assetName(a), priceOf(a)] as const));
for (let i = 0; i < 3; i++)
  naiveSnapshotTimes.push(
    await timeMs(() =>
      cellsFromScratch(naiveStore.values()).map((c) => notionalOf(c, prices.get(c.asset) ?? 0)),
    ),
  );

// ---------------------------------------------------------------- ladder
const cols = state.book.columns();
const priceColumn = state.priceColumn();
const assetNames = state.book.assets.all();
const ladderTimes: number[] = [];
let ladderSize = 0;
for (let i = 0; i < 5; i++)
  ladderTimes.push(
    await timeMs(() => {
      const ladders = liquidationLadders(cols, assetNames, priceColumn);
      ladderSize = ladders.reduce((t, l) => t + l.rungs.reduce((s, r) => s + r.size, 0), 0);
    }),
  );
const objects = [...naiveStore.values()];
const naiveLadderTimes: number[] = [];
for (let i = 0; i < 2; i++) naiveLadderTimes.push(await timeMs(() => naiveLadder(objects, prices)));

function naiveLadder(ps: readonly PositionState[], px: ReadonlyMap<string, number>) {
  const out = new Map<string, { down: number[]; up: number[] }>();
  for (const p of ps) {
    const price = px.get(p.asset);
    if (!price || !(p.liquidationPrice > 0)) continue;
    let l = out.get(p.asset);
    if (!l) {
      l = { down: new Array(101).fill(0), up: new Array(101).fill(0) };
      out.set(p.asset, l);
    }
    const d = (p.liquidationPrice / price - 1) / 0.005;
    if (p.side === PositionSide.POSITION_SIDE_LONG) {
      const i = d >= 0 ? 0 : -Math.floor(d + 1e-9);
      if (i <= 100) l.down[i] = (l.down[i] ?? 0) + p.liquidatableSize;
    } else {
      const i = d <= 0 ? 0 : Math.ceil(d - 1e-9);
      if (i <= 100) l.up[i] = (l.up[i] ?? 0) + p.liquidatableSize;
    }
  }
  return out;
}

// ---------------------------------------------------------------- cascade
const n = assetNames.length;
const shocks = new Float64Array(n);
for (let a = 0; a < 5; a++) shocks[state.book.assets.find(assetName(a))] = -0.1;
const beta = new Float64Array(n * n);
for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) if (i !== j) beta[j * n + i] = 0.01;
// thin books (relative to the book size) so the cascade feeds itself for the full 10 rounds
const thin = { notionalPer1Pct: POSITIONS / 2, exponent: 1 };
const cascadeInput = {
  cols,
  assetNames,
  venueNames: state.book.venues.all(),
  chainNames: state.book.chains.all(),
  prices: priceColumn,
  shocks,
  depth: assetNames.map(() => thin),
  beta,
  maxRounds: 10,
};
const cascadeTimes: number[] = [];
let cascade = simulateCascade(cascadeInput);
for (let i = 0; i < 3; i++) cascadeTimes.push(await timeMs(() => (cascade = simulateCascade(cascadeInput))));
const naiveCascadeMs = await timeMs(() => naiveCascade(objects, prices));
process.stdout.write(
  `cascade: ${cascade.rounds} rounds, ${cascade.liquidatedPositions} liquidated, notional ${cascade.liquidatedNotional.toFixed(0)}\n`,
);

/** The same cascade over position objects and maps (no columns, no interning). */
function naiveCascade(ps: readonly PositionState[], px: ReadonlyMap<string, number>) {
  const shock = new Map(Array.from({ length: 5 }, (_, a) => [assetName(a), -0.1] as const));
  const liquidated = new Set<PositionState>();
  const flow = new Map<string, number>();
  const own = new Map<string, number>([...px.keys()].map((a) => [a, shock.get(a) ?? 0]));
  for (let round = 0; round < 10; round++) {
    const sumOwn = [...own.values()].reduce((s, v) => s + v, 0);
    const current = new Map(
      [...px].map(([a, p]) => [
        a,
        p * (1 + Math.max(-0.99, Math.min(10, own.get(a)! + 0.01 * (sumOwn - own.get(a)!)))),
      ]),
    );
    let hit = 0;
    for (const p of ps) {
      if (liquidated.has(p) || !(p.liquidationPrice > 0)) continue;
      const c = current.get(p.asset)!;
      const p0 = px.get(p.asset)!;
      const down = p.side === PositionSide.POSITION_SIDE_LONG;
      if (
        down
          ? c > p.liquidationPrice && p0 > p.liquidationPrice
          : c < p.liquidationPrice && p0 < p.liquidationPrice
      )
        continue;
      liquidated.add(p);
      flow.set(p.asset, (flow.get(p.asset) ?? 0) + (down ? 1 : -1) * p.liquidatableSize * p0);
      hit++;
    }
    if (hit === 0) break;
    for (const a of px.keys()) {
      const f = flow.get(a) ?? 0;
      const m = Math.min(0.99, 0.01 * (Math.abs(f) / thin.notionalPer1Pct));
      own.set(a, (shock.get(a) ?? 0) + (f > 0 ? -m : f < 0 ? m : 0));
    }
  }
  return liquidated.size;
}

// ---------------------------------------------------------------- numpy, same data, same run
interface NumpyFigures {
  ladderMs: number;
  cascadeMs: number;
  ladderSize: number;
  cascadeRounds: number;
  cascadeNotional: number;
}

function numpyRun(): NumpyFigures | undefined {
  const probe = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
  if (probe.status !== 0) {
    notes.push("numpy comparison skipped: python3 with numpy is not available here");
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), "bw-bench-"));
  try {
    const slots = cols.slots;
    const write = (name: string, a: ArrayBufferView, bytes: number) =>
      writeFileSync(join(dir, name), Buffer.from(a.buffer, a.byteOffset, bytes));
    write("asset.bin", cols.asset, slots * 4);
    write("side.bin", cols.side, slots);
    write("open.bin", cols.open, slots);
    write("size.bin", cols.liquidatableSize, slots * 8); // what the ladder and the cascade count
    write("liq.bin", cols.liquidationPrice, slots * 8);
    write("prices.bin", priceColumn, n * 8);
    write("shocks.bin", shocks, n * 8);
    write("beta.bin", beta, n * n * 8);
    const r = spawnSync("python3", ["-c", NUMPY_SCRIPT, dir, String(thin.notionalPer1Pct)], {
      encoding: "utf8",
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0) {
      notes.push(`numpy comparison failed: ${r.stderr.slice(-300)}`);
      return undefined;
    }
    return JSON.parse(r.stdout) as NumpyFigures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
d = sys.argv[1]; depth = float(sys.argv[2])
asset = np.fromfile(d + "/asset.bin", dtype=np.int32).astype(np.int64)
side = np.fromfile(d + "/side.bin", dtype=np.uint8)
open_ = np.fromfile(d + "/open.bin", dtype=np.uint8) == 1
size = np.fromfile(d + "/size.bin", dtype=np.float64)
liq = np.fromfile(d + "/liq.bin", dtype=np.float64)
P = np.fromfile(d + "/prices.bin", dtype=np.float64)
shocks = np.fromfile(d + "/shocks.bin", dtype=np.float64)
n = len(P)
B = np.fromfile(d + "/beta.bin", dtype=np.float64).reshape(n, n)
down = (side == 1) | (side == 3)
K = 100; step = 0.005; width = K + 1

def ladder():
    p = P[asset]
    valid = open_ & (liq > 0) & (p > 0)
    x = (liq / np.where(p > 0, p, 1) - 1) / step
    i = np.where(down, np.where(x >= 0, 0, -np.floor(x + 1e-9)), np.where(x <= 0, 0, np.ceil(x - 1e-9))).astype(np.int64)
    ok = valid & (i <= K)
    idx = asset * width + i
    dn = ok & down; up = ok & ~down
    hd = np.bincount(idx[dn], weights=size[dn], minlength=n * width).reshape(n, width)
    hu = np.bincount(idx[up], weights=size[up], minlength=n * width).reshape(n, width)
    cd = np.bincount(idx[dn], minlength=n * width).reshape(n, width)
    cu = np.bincount(idx[up], minlength=n * width).reshape(n, width)
    rung = np.arange(width) * step
    nd = hd * (P[:, None] * (1 - rung)); nu = hu * (P[:, None] * (1 + rung))
    return hd, hu, cd, cu, np.cumsum(nd, axis=1), np.cumsum(nu, axis=1)

def cascade(max_rounds=10):
    p0 = P[asset]
    valid = open_ & (liq > 0) & (p0 > 0)
    q = size * p0
    signed = np.where(down, q, -q)
    liquidated = np.zeros(len(size), dtype=bool)
    own = shocks.copy(); flow = np.zeros(n); rounds = 0; notional = 0.0
    for _ in range(max_rounds):
        total = np.clip(own + B @ own, -0.99, 10)
        p = (P * (1 + total))[asset]
        hit = valid & ~liquidated & np.where(down, (p <= liq) | (p0 <= liq), (p >= liq) | (p0 >= liq))
        if not hit.any():
            break
        liquidated |= hit
        flow += np.bincount(asset[hit], weights=signed[hit], minlength=n)
        rounds += 1; notional += q[hit].sum()
        m = np.minimum(0.99, 0.01 * (np.abs(flow) / depth))
        own = shocks + np.where(flow > 0, -m, np.where(flow < 0, m, 0))
    return rounds, notional

def best(fn, runs):
    out = None; t = 1e18
    for _ in range(runs):
        t0 = time.perf_counter(); out = fn(); t = min(t, (time.perf_counter() - t0) * 1000)
    return t, out

lt, lad = best(ladder, 5)
ct, cas = best(cascade, 3)
print(json.dumps({"ladderMs": lt, "cascadeMs": ct, "ladderSize": float(lad[0].sum() + lad[1].sum()),
                  "cascadeRounds": cas[0], "cascadeNotional": float(cas[1])}))
`;

const numpy = numpyRun();
if (numpy) {
  const agree =
    Math.abs(numpy.ladderSize - ladderSize) <= 1e-6 * ladderSize &&
    numpy.cascadeRounds === cascade.rounds &&
    Math.abs(numpy.cascadeNotional - cascade.liquidatedNotional) <= 1e-6 * cascade.liquidatedNotional;
  notes.push(
    `numpy computed the same ladder and cascade: ${agree ? "yes" : "NO"} (ladder Σsize ${numpy.ladderSize.toFixed(2)} vs ${ladderSize.toFixed(2)}; cascade ${numpy.cascadeRounds} rounds, ${numpy.cascadeNotional.toFixed(0)} vs ${cascade.rounds}, ${cascade.liquidatedNotional.toFixed(0)})`,
  );
}

// ---------------------------------------------------------------- lending accounts under a shocked path
// ACCOUNTS Aave-style accounts (two collaterals, one debt, thresholds 70–90%), their legs' liquidation
// prices solved at the reference prices; each shocked path re-solves every account (slack and every
// leg's liquidation price at the path's prices). Baseline: solving the same accounts from their reserves.
const ACCOUNTS = Number(process.env["BENCH_ACCOUNTS"] ?? 300_000);
const accountRand = prng(11);
const legsPerAccount = 3;
const legSlots = ACCOUNTS * legsPerAccount;
const accountCols: PositionColumns = {
  slots: legSlots,
  open: new Uint8Array(legSlots).fill(1),
  side: new Uint8Array(legSlots),
  asset: new Int32Array(legSlots),
  venue: new Int32Array(legSlots),
  chain: new Int32Array(legSlots),
  liquidationPrice: new Float64Array(legSlots),
  liquidatableSize: new Float64Array(legSlots),
};
const accountOfSlot = new Int32Array(legSlots);
const accountPrices = Float64Array.from({ length: ASSETS }, (_, a) => priceOf(a));
const sampleAccounts: LendingAccount[] = [];
for (let k = 0; k < ACCOUNTS; k++) {
  const [c1, c2, d] = [k % ASSETS, (k * 7 + 3) % ASSETS, (k * 13 + 5) % ASSETS];
  const reserves = [
    { asset: c1, amount: 1 + accountRand() * 100, threshold: 0.7 + accountRand() * 0.2 },
    { asset: c2, amount: 1 + accountRand() * 100, threshold: 0.7 + accountRand() * 0.2 },
  ];
  const weighted = reserves.reduce((t, r) => t + r.amount * r.threshold * accountPrices[r.asset]!, 0);
  const debtValue = weighted / (1.05 + accountRand() * 0.6); // HF 1.05–1.65
  const debt = debtValue / accountPrices[d]!;
  const slack = weighted - debtValue;
  reserves.forEach((r, i) => {
    const s = k * legsPerAccount + i;
    accountCols.side[s] = PositionSide.POSITION_SIDE_SUPPLY;
    accountCols.asset[s] = r.asset;
    accountCols.liquidationPrice[s] = Math.max(0, accountPrices[r.asset]! - slack / (r.amount * r.threshold));
    accountCols.liquidatableSize[s] = r.amount / 2;
    accountOfSlot[s] = k;
  });
  const s = k * legsPerAccount + 2;
  accountCols.side[s] = PositionSide.POSITION_SIDE_BORROW;
  accountCols.asset[s] = d;
  accountCols.liquidationPrice[s] = accountPrices[d]! + slack / debt;
  accountCols.liquidatableSize[s] = debt / 2;
  accountOfSlot[s] = k;
  if (k < 20_000) {
    const reserve = (a: number, threshold: number) => ({
      asset: assetName(a),
      decimals: 6,
      liquidationThresholdBps: Math.round(threshold * 10_000),
      liquidationBonusBps: 10_500,
      eModeCategory: 0,
      price: accountPrices[a]!,
    });
    const units = (x: number) => BigInt(Math.round(x * 1e6));
    sampleAccounts.push({
      reserves: [
        ...reserves.map((r) => ({
          reserve: reserve(r.asset, r.threshold),
          supplied: units(r.amount),
          borrowed: 0n,
          usedAsCollateral: true,
        })),
        { reserve: reserve(d, 0), supplied: 0n, borrowed: units(debt), usedAsCollateral: false },
      ],
    });
  }
}
const accountIndex = lendingAccountIndex(accountCols, accountOfSlot, accountPrices);
const shockedPath = Float64Array.from(accountPrices, (p, a) => (a < 5 ? p * 0.9 : p));
const accountSlackOut = new Float64Array(accountIndex.accounts);
const accountLiqOut = new Float64Array(legSlots);
let liquidatableAccounts = 0;
const resolveTimes: number[] = [];
for (let i = 0; i < 5; i++)
  resolveTimes.push(
    await timeMs(() => {
      liquidatableAccounts = resolveAccountsAt(
        accountIndex,
        accountCols,
        accountPrices,
        shockedPath,
        accountSlackOut,
        accountLiqOut,
      );
    }),
  );
const accountsPerSecond = (accountIndex.accounts / Math.min(...resolveTimes)) * 1_000;
// baseline: the same accounts solved whole from their reserves (lending-account.ts), on a sample
const shockedAccounts = sampleAccounts.map((acct) => ({
  reserves: acct.reserves.map((r) => ({
    ...r,
    reserve: { ...r.reserve, price: shockedPath[Number(r.reserve.asset.slice(1))]! },
  })),
}));
const naiveResolveMs = await timeMs(() => {
  for (const acct of shockedAccounts) solveLendingAccount(acct);
});
const naiveAccountsPerSecond = (shockedAccounts.length / naiveResolveMs) * 1_000;
notes.push(
  `lending accounts: ${ACCOUNTS.toLocaleString("en-US")} accounts (2 collaterals, 1 debt), 5 of 50 assets −10%: ${liquidatableAccounts.toLocaleString("en-US")} liquidatable after the re-solve; baseline solves ${shockedAccounts.length.toLocaleString("en-US")} of them whole from their reserves`,
);

// ---------------------------------------------------------------- report
const ladderMs = Math.min(...ladderTimes);
const cascadeMs = Math.min(...cascadeTimes);
const figures: Figure[] = [
  {
    name: "position updates per second (one core)",
    value: updatesPerSecond,
    unit: "updates/s",
    baseline: naiveUpdatesPerSecond,
    target: ">= 250,000",
    met: updatesPerSecond >= 250_000,
  },
  { name: "initial load, positions per second", value: (POSITIONS / loadMs) * 1_000, unit: "positions/s" },
  {
    name: "memory per position (after load)",
    value: bytesPerPosition,
    unit: "bytes",
    target: "<= 1024",
    met: bytesPerPosition <= 1024,
  },
  {
    name: "memory per position (after the updates)",
    value: bytesAfterUpdates,
    unit: "bytes",
    target: "<= 1024",
    met: bytesAfterUpdates <= 1024,
  },
  {
    name: `memory per position, ${KEPT_REVISIONS} revisions kept (worst case)`,
    value: bytesWorstCase,
    unit: "bytes",
    target: "<= 1024",
    met: bytesWorstCase <= 1024,
  },
  {
    name: "snapshot latency p50 (build + encode)",
    value: percentile(snapshotTimes, 50),
    unit: "ms",
    baseline: percentile(naiveSnapshotTimes, 50),
  },
  { name: "snapshot latency p99", value: percentile(snapshotTimes, 99), unit: "ms" },
  {
    name: "full liquidation ladder, 50 assets x 201 rungs",
    value: ladderMs,
    unit: "ms",
    baseline: Math.min(...naiveLadderTimes),
  },
  { name: "10-round cascade", value: cascadeMs, unit: "ms", baseline: naiveCascadeMs },
  {
    name: "lending accounts re-solved per second under a shocked path (one core)",
    value: accountsPerSecond,
    unit: "accounts/s",
    baseline: naiveAccountsPerSecond,
  },
];
if (numpy) {
  figures.push(
    {
      name: "ladder vs numpy (baseline = numpy)",
      value: ladderMs,
      unit: "ms",
      baseline: numpy.ladderMs,
      target: "<= numpy",
      met: ladderMs <= numpy.ladderMs,
    },
    {
      name: "cascade vs numpy (baseline = numpy)",
      value: cascadeMs,
      unit: "ms",
      baseline: numpy.cascadeMs,
      target: "<= numpy",
      met: cascadeMs <= numpy.cascadeMs,
    },
  );
}
notes.push(
  `${POSITIONS.toLocaleString("en-US")} positions (${VENUES} venues, ${CHAINS} chains, ${ASSETS} assets), ${UPDATES.toLocaleString("en-US")} updates decoded from protobuf in chunks of ${CHUNK} (decoding not timed)`,
  `naive update baseline: positions in a Map, every aggregate recomputed from scratch after each batch of ${CHUNK} updates`,
  `cascade: ${cascade.rounds} rounds (converged: ${cascade.converged}), ${cascade.liquidatedPositions.toLocaleString("en-US")} positions liquidated`,
  `load average when the run ended: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} (2 shared cores: figures scale with it)`,
);
saveReport({
  bench: "correlator",
  description: "exposure engine: updates, memory, snapshot, ladder, cascade (1M positions)",
  figures,
  notes,
});
