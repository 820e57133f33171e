/**
 * Solana watcher: accounts decoded and published per second against the
 * testkit's loopback Solana JSON-RPC (no validator runs here) — next to a
 * baseline measured in the same run: the same getProgramAccounts reads
 * through web3.js and the same decoders, nothing published. Target: the full
 * pipeline (read, hash, decode, normalize, publish with dedup ids, checkpoint
 * in NATS KV) takes at most 1.5x the baseline's time.
 */
import { connectBus } from "@breakwater/bus";
import { createLogger } from "@breakwater/telemetry";
import { SolanaLedger, startNats, startSolanaRpc } from "@breakwater/testkit";
import {
  BusEventSink,
  ChainProgress,
  CheckpointStore,
  DriftVenueAdapter,
  PythPriceUpdateAdapter,
  SolanaDriver,
  solanaClusterSchema,
} from "@breakwater/watcher";
import { trace } from "@opentelemetry/api";
import { Connection, PublicKey } from "@solana/web3.js";
import { DRIFT_PROGRAM } from "../services/watcher/src/drivers/solana/adapters/drift-layout.js";
import { PYTH_RECEIVER_PROGRAM } from "../services/watcher/src/drivers/solana/adapters/pyth-price-update.js";
import {
  encodeDriftPerpMarket,
  encodeDriftSpotMarket,
  encodeDriftUser,
  encodePriceUpdateV2,
  feedIdOf,
  newAddress,
} from "../services/watcher/src/drivers/solana/solana-test-accounts.js";
import { saveReport, timeMs } from "./lib.js";

const USERS = 3_000;
const FEEDS = 200;
const RUNS = 6;
const CHAIN = "sol-bench";

const log = createLogger("bench", "warn");
const ledger = new SolanaLedger({ startSlot: 10_000, genesisMs: Date.now() });
const [nats, rpc] = await Promise.all([startNats(), startSolanaRpc(ledger)]);
try {
  // --- a cluster: Drift's markets, USERS users with a perp position and USDC, FEEDS Pyth feeds
  const price = 150_000_000n;
  ledger.write(
    newAddress(),
    DRIFT_PROGRAM,
    await encodeDriftPerpMarket({
      marketIndex: 0,
      name: "SOL-PERP",
      oraclePrice: price,
      marginRatioInitial: 1000,
      marginRatioMaintenance: 500,
    }),
  );
  ledger.write(
    newAddress(),
    DRIFT_PROGRAM,
    await encodeDriftSpotMarket({
      marketIndex: 0,
      name: "USDC",
      decimals: 6,
      oraclePrice: 1_000_000n,
      cumulativeDepositInterest: 10_000_000_000n,
      cumulativeBorrowInterest: 10_000_000_000n,
      maintenanceAssetWeight: 10_000,
      maintenanceLiabilityWeight: 10_000,
    }),
  );
  for (let u = 0; u < USERS; u++) {
    const base = BigInt(1 + (u % 50)) * 1_000_000_000n * (u % 2 === 0 ? 1n : -1n);
    const quote = (-base * price) / 1_000_000_000n;
    ledger.write(
      newAddress(),
      DRIFT_PROGRAM,
      await encodeDriftUser({
        authority: newAddress(),
        perps: [{ marketIndex: 0, base, quote, quoteEntry: quote, quoteBreakEven: quote }],
        spots: [{ marketIndex: 0, scaledBalance: BigInt(1_000 + u) * 1_000_000_000n }],
      }),
    );
  }
  const feeds: Record<string, { asset: string }> = {};
  const slot = ledger.slot("processed");
  for (let f = 0; f < FEEDS; f++) {
    const feedId = feedIdOf(`F${f}`);
    feeds[feedId] = { asset: `A${f}` };
    ledger.write(
      newAddress(),
      PYTH_RECEIVER_PROGRAM,
      await encodePriceUpdateV2({
        feedId,
        price: 10_000_000_000n + BigInt(f),
        conf: 1_000_000n,
        exponent: -8,
        publishTime: Math.floor(ledger.timeMs(slot) / 1000),
        postedSlot: slot,
      }),
    );
  }
  ledger.advance(3);
  const target = ledger.slot("confirmed");
  const config = solanaClusterSchema.parse({
    cluster: "localnet",
    rpc: [{ url: rpc.url, timeoutMs: 60_000 }],
    pollMs: 20,
    adapters: [
      { kind: "pyth", feeds, maxAgeSeconds: 3600, maxAgeSlots: 1_000 },
      { kind: "drift", venueId: "drift" },
    ],
  });

  // --- baseline: the same reads through web3.js and the same decoders; nothing published
  const connection = new Connection(rpc.url, "confirmed");
  let decodedAccounts = 0;
  let baselineEvents = 0;
  const baselineOnce = () =>
    timeMs(async () => {
      decodedAccounts = 0;
      baselineEvents = 0;
      const adapters = [
        new PythPriceUpdateAdapter({ ...config.adapters[0]!, feeds } as never),
        new DriftVenueAdapter({ venueId: "drift" }),
      ];
      for (const adapter of adapters)
        for (const [q, query] of adapter.queries.entries()) {
          const read = await connection.getProgramAccounts(new PublicKey(query.programId), {
            commitment: "confirmed",
            encoding: "base64",
            withContext: true,
            filters: query.filters as never,
          });
          for (const { pubkey, account } of read.value) {
            const events = adapter.decode(q, pubkey.toBase58(), account.data, {
              chainId: CHAIN,
              slot: read.context.slot,
              slotTimeMs: ledger.timeMs(read.context.slot),
              observedAtMs: Date.now(),
              eventId: `${CHAIN}:${read.context.slot}:${pubkey.toBase58()}`,
            });
            if (!query.reference) decodedAccounts++;
            baselineEvents += events.length;
          }
        }
    });

  // --- full pipeline: the Solana driver with the watcher's bus sink (publish with dedup ids, KV checkpoint)
  let published = 0;
  const pipelineOnce = async (run: number) => {
    const chain = `${CHAIN}-${run}`;
    const bus = await connectBus({ url: nats.url, name: `bench-${run}` });
    const store = await CheckpointStore.open(bus, chain);
    const progress = new ChainProgress({ staleMs: 1e9, downMs: 2e9 });
    progress.connected = true;
    const sink = new BusEventSink({
      bus,
      chainId: chain,
      driverKind: "solana",
      store,
      progress,
      tracer: trace.getTracer("bench"),
      log,
      initial: undefined,
    });
    let events = 0;
    const counting = Object.assign(Object.create(sink) as BusEventSink, {
      publishBatch: async (batch: Parameters<BusEventSink["publishBatch"]>[0]) => {
        events += batch.length;
        await sink.publishBatch(batch);
      },
    });
    const driver = new SolanaDriver({ chainId: chain, config, log });
    const abort = new AbortController();
    let done: Promise<void> = Promise.resolve();
    const ms = await timeMs(async () => {
      done = driver.start(undefined, counting, abort.signal);
      while ((progress.processed?.number ?? -1) < target) await new Promise((r) => setTimeout(r, 2));
    });
    abort.abort();
    await done;
    published = events;
    await bus.close();
    return ms;
  };

  // alternate the two, so a noisy moment hits both alike; the best run of each counts
  const baselineRuns: number[] = [];
  const pipelineRuns: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    baselineRuns.push(await baselineOnce());
    pipelineRuns.push(await pipelineOnce(run));
  }
  const baselineMs = Math.min(...baselineRuns);
  const pipelineMs = Math.min(...pipelineRuns);
  const ratio = pipelineMs / baselineMs;
  saveReport({
    bench: "solana",
    description: `Solana watcher against the loopback Solana RPC: ${decodedAccounts} accounts (${USERS} Drift users, ${FEEDS} Pyth feeds), ${published} events`,
    figures: [
      {
        name: "accounts decoded + published per second",
        value: (decodedAccounts / pipelineMs) * 1000,
        unit: "accounts/s",
        baseline: (decodedAccounts / baselineMs) * 1000,
      },
      {
        name: "pipeline time / read+decode time",
        value: ratio,
        unit: "x",
        target: "<= 1.5x",
        met: ratio <= 1.5,
      },
      { name: `pipeline time (best of ${RUNS})`, value: pipelineMs, unit: "ms" },
      { name: `read+decode baseline time (best of ${RUNS})`, value: baselineMs, unit: "ms" },
    ],
    notes: [
      "both sides read the same getProgramAccounts answers (base64, withContext) through web3.js 1.x from the same loopback server, and decode with the same adapters",
      "the pipeline also hashes each account's data, publishes every event with its (slot, account, data hash) id through the watcher's BusEventSink to a private nats-server, and checkpoints the slot and the account hashes in NATS KV",
      `runs alternate baseline and pipeline, ${RUNS} of each; best of each counts`,
      `every decoded event was published: ${published === baselineEvents ? "yes" : `NO (${published} published, ${baselineEvents} decoded)`}`,
    ],
  });
} finally {
  await Promise.all([nats.dispose(), rpc.stop()]);
}
process.exit(0);
