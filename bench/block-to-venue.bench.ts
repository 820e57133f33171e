/**
 * Block to venue: how long after the block in which an oracle answer falls 8%
 * each of 100 venues' SDK handlers runs, next to a floor measured in the same
 * run.
 *
 * A Hardhat node (automining), nats-server, the EVM watcher (confirmations 0,
 * new heads over websocket; polling every second as the fallback), the
 * correlator and the coordinator run as their own processes; 100 `VenueClient`s
 * (mutual TLS, signatures checked against the coordinator's published keys)
 * and a raw websocket `newHeads` subscriber run in this process, on one
 * `performance.now()` clock. Each crash moves a fresh asset's answer from 100
 * to 92 (the default policy's circuit breaker halts an asset once per day, so
 * every crash is its own asset and each one produces a halt). Latency = the
 * handler running − the raw subscriber seeing the crash's block.
 *
 * Floor: the same raw subscriber, and on each head one raw NATS publish to 100
 * subscribers (one connection each): what no coordinator can beat on this
 * machine. Target: p99 ≤ floor p99 + 25 ms.
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { type Bus, codecs, connectBus, decodeChainEvent, subjects } from "@breakwater/bus";
import { VenueClient } from "@breakwater/sdk";
import {
  createTestPki,
  type EvmLab,
  freePort,
  type NatsServer,
  type ServiceProcess,
  startEvmLab,
  startNats,
  startService,
  type TestPki,
} from "@breakwater/testkit";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import WebSocket from "ws";
import { type Figure, percentile, saveReport } from "./lib.js";

const CRASHES = 60;
const VENUES = 100;
const CHAIN = "bench-evm";
const TARGET_ABOVE_FLOOR_MS = 25;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const assets = ["WARM", ...Array.from({ length: CRASHES }, (_, i) => `C${i}`)];
/** Crashes at confirmations 1, on feeds a second watcher follows (chain DEEP_CHAIN). */
const DEEP_CRASHES = 20;
const DEEP_CHAIN = "bench-evm-depth1";
const deepAssets = Array.from({ length: DEEP_CRASHES }, (_, i) => `D${i}`);
/** How long after the crash's block the block that makes it 1 deep is mined. */
const NEXT_BLOCK_MS = 250;

/** A raw newHeads subscriber: when it first saw each block number. */
async function rawHeads(wsUrl: string) {
  const seen = new Map<number, number>();
  const listeners = new Set<(n: number) => void>();
  const socket = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  socket.on("message", (data) => {
    const at = now();
    const msg = JSON.parse(String(data)) as { params?: { result?: { number?: string } } };
    const hex = msg.params?.result?.number;
    if (!hex) return;
    const n = Number.parseInt(hex, 16);
    if (!seen.has(n)) seen.set(n, at);
    for (const l of listeners) l(n);
  });
  socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] }));
  await sleep(100);
  return { seen, listeners, close: () => socket.close() };
}

/** Floor: on each new head, one raw NATS publish to `n` subscribers; latency head → each delivery. */
async function floor(
  nats: NatsServer,
  lab: EvmLab,
  heads: Awaited<ReturnType<typeof rawHeads>>,
  rounds: number,
) {
  const pub = await connect({ servers: nats.url });
  const subs: NatsConnection[] = [];
  const latencies: number[] = [];
  const sentAt = new Map<number, number>();
  for (let i = 0; i < VENUES; i++) {
    const nc = await connect({ servers: nats.url });
    subs.push(nc);
    nc.subscribe("bench.floor", {
      callback: (_err, msg) => {
        const block = new DataView(msg.data.buffer, msg.data.byteOffset).getFloat64(0);
        latencies.push(now() - heads.seen.get(block)!);
      },
    });
    await nc.flush();
  }
  const onHead = (n: number) => {
    if (sentAt.has(n)) return;
    sentAt.set(n, now());
    const payload = new Uint8Array(400);
    new DataView(payload.buffer).setFloat64(0, n);
    pub.publish("bench.floor", payload);
  };
  heads.listeners.add(onHead);
  for (let i = 0; i < rounds; i++) {
    await lab.node.mine(1);
    await sleep(50);
  }
  const deadline = Date.now() + 10_000;
  while (latencies.length < rounds * VENUES && Date.now() < deadline) await sleep(10);
  heads.listeners.delete(onHead);
  await pub.close();
  for (const nc of subs) await nc.close();
  return latencies;
}

async function main(): Promise<void> {
  const load0 = loadavg();
  const [nats, lab] = await Promise.all([
    startNats(),
    startEvmLab({
      chain: CHAIN,
      prices: Object.fromEntries([...assets, ...deepAssets].map((a) => [a, 100])),
    }),
  ]);
  const venueIds = Array.from({ length: VENUES }, (_, i) => `venue-${i}`);
  const pki: TestPki = await createTestPki(venueIds);
  // the crash feeds at confirmations 0; the D feeds at confirmations 1 (a second watcher)
  const rpc = [{ url: lab.rpcUrl, ws: lab.rpcUrl.replace(/^http/, "ws"), name: "hardhat" }];
  const isDeep = (a: { kind: string; asset?: string }) =>
    a.kind === "chainlink" && deepAssets.includes(a.asset ?? "");
  const adapters = lab.chainConfig()["adapters"] as { kind: string; asset?: string }[];
  const chainFile = `${pki.dir}/chain.json`;
  writeFileSync(
    chainFile,
    JSON.stringify(
      lab.chainConfig({ rpc, confirmations: 0, pollMs: 1_000, adapters: adapters.filter((a) => !isDeep(a)) }),
    ),
  );
  const deepChainFile = `${pki.dir}/chain-depth1.json`;
  writeFileSync(
    deepChainFile,
    JSON.stringify(
      lab.chainConfig({ rpc, confirmations: 1, pollMs: 1_000, adapters: adapters.filter(isDeep) }),
    ),
  );
  const common = {
    BW_NATS_URL: nats.url,
    BW_HTTP_HOST: "127.0.0.1",
    BW_HTTP_PORT: "0",
    BW_LOG_LEVEL: "info",
  };
  const grpcPort = await freePort();
  const processes: ServiceProcess[] = [];
  const figures: Figure[] = [];
  const notes: string[] = [];
  const clients: VenueClient[] = [];
  let heads: Awaited<ReturnType<typeof rawHeads>> | undefined;
  let bus: Bus | undefined;
  try {
    const coordinator = startService("services/coordinator/src/main.ts", [], {
      ...common,
      ...pki.coordinatorEnv(),
      BW_GRPC_PORT: String(grpcPort),
      BW_ACK_ADVISORY: "false",
    });
    const correlator = startService("services/correlator/src/main.ts", [], {
      ...common,
      ...pki.serverTlsEnv(),
      BW_GRPC_PORT: String(await freePort()),
    });
    const watcher = startService("services/watcher/src/main.ts", ["--chain", CHAIN], {
      ...common,
      BW_DRIVER: "evm",
      BW_EVM_CONFIG: chainFile,
      BW_HEAD_STALE_MS: "600000",
      BW_HEAD_DOWN_MS: "1200000",
    });
    const deepWatcher = startService("services/watcher/src/main.ts", ["--chain", DEEP_CHAIN], {
      ...common,
      BW_DRIVER: "evm",
      BW_EVM_CONFIG: deepChainFile,
      BW_HEAD_STALE_MS: "600000",
      BW_HEAD_DOWN_MS: "1200000",
    });
    processes.push(coordinator, correlator, watcher, deepWatcher);
    await Promise.all([
      coordinator.waitFor(/leader is consuming assessments/, 60_000),
      correlator.waitFor(/correlator started/, 60_000),
      watcher.waitFor(/following new heads over websocket/, 60_000),
      deepWatcher.waitFor(/following new heads over websocket/, 60_000),
    ]);

    // venues: one handler per venue, the time it ran per asset halted
    const handled = new Map<string, number[]>();
    bus = await connectBus({ url: nats.url, name: "bench" });
    const afterSequence = (await bus.jsm.streams.info("BW_SIGNALS")).state.last_seq;
    // where the time goes: when each hop's message is on the bus (core subscriptions, this clock)
    const hops = {
      event: new Map<string, number>(),
      assessment: new Map<string, number>(),
      signal: new Map<string, number>(),
    };
    const priceSubject = subjects.price(CHAIN);
    bus.nc.subscribe(priceSubject, {
      callback: (_e, m) => {
        const e = decodeChainEvent(priceSubject, m.data);
        if (e?.kind === "price" && Number(e.value.price) < 95 && !hops.event.has(e.value.asset))
          hops.event.set(e.value.asset, now());
      },
    });
    bus.nc.subscribe(subjects.allAssessments, {
      callback: (_e, m) => {
        const a = codecs.assessment.decode(m.data, m.subject);
        if (Number(a.referencePrice) < 95 && !hops.assessment.has(a.asset))
          hops.assessment.set(a.asset, now());
      },
    });
    bus.nc.subscribe(subjects.signal, {
      callback: (_e, m) => {
        const s = codecs.signal.decode(m.data, m.subject);
        const asset = s.scope?.assets[0] ?? "";
        if (!hops.signal.has(asset)) hops.signal.set(asset, now());
      },
    });
    await bus.nc.flush();
    const synced: Promise<void>[] = [];
    for (const venueId of venueIds) {
      const client = new VenueClient({
        address: `127.0.0.1:${grpcPort}`,
        venueId,
        afterSequence,
        tls: pki.venueTls(venueId),
        signatures: { fetchFromCoordinator: true },
        handler: (signal) => {
          const at = now();
          const asset = signal.scope?.assets[0] ?? "";
          const list = handled.get(asset) ?? [];
          list.push(at);
          handled.set(asset, list);
        },
      });
      clients.push(client);
      synced.push(new Promise((resolve) => client.once("synced", () => resolve())));
      client.start();
    }
    await Promise.all(synced);
    heads = await rawHeads(lab.rpcUrl.replace(/^http/, "ws"));

    const waitHandled = async (asset: string, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while ((handled.get(asset)?.length ?? 0) < VENUES) {
        if (Date.now() > deadline)
          throw new Error(`${asset}: ${handled.get(asset)?.length ?? 0}/${VENUES} venues handled the halt`);
        await sleep(2);
      }
    };
    // warm-up (not counted): JIT, TLS sessions, key fetches
    await lab.setPrice("WARM", 92);
    await waitHandled("WARM", 30_000);

    const latencies: number[] = [];
    const lastVenue: number[] = [];
    const hopTimes = {
      event: [] as number[],
      assessment: [] as number[],
      signal: [] as number[],
      firstVenue: [] as number[],
      lastVenue: [] as number[],
    };
    for (const asset of assets.slice(1)) {
      const landed = await lab.setPrice(asset, 92);
      await waitHandled(asset);
      const t0 = heads.seen.get(landed.blockNumber);
      if (t0 === undefined) throw new Error(`the raw subscriber never saw block ${landed.blockNumber}`);
      const times = handled.get(asset)!.map((t) => t - t0);
      latencies.push(...times);
      lastVenue.push(Math.max(...times));
      const event = hops.event.get(asset)! - t0;
      const assessment = hops.assessment.get(asset)! - t0;
      const signal = hops.signal.get(asset)! - t0;
      hopTimes.event.push(event);
      hopTimes.assessment.push(assessment - event);
      hopTimes.signal.push(signal - assessment);
      hopTimes.firstVenue.push(Math.min(...times) - signal);
      hopTimes.lastVenue.push(Math.max(...times) - signal);
      await sleep(100);
    }
    // depth 1: the crash's block, then NEXT_BLOCK_MS later the block that makes it 1 deep
    const fromCrashBlock: number[] = [];
    const fromDeepEnough: number[] = [];
    const intervals: number[] = [];
    for (const asset of deepAssets) {
      const landed = await lab.setPrice(asset, 92);
      await sleep(NEXT_BLOCK_MS);
      await lab.node.mine(1);
      await waitHandled(asset);
      const crashSeen = heads.seen.get(landed.blockNumber)!;
      const deepSeen = heads.seen.get(landed.blockNumber + 1)!;
      intervals.push(deepSeen - crashSeen);
      for (const t of handled.get(asset)!) {
        fromCrashBlock.push(t - crashSeen);
        fromDeepEnough.push(t - deepSeen);
      }
      await sleep(100);
    }
    const floorLatencies = await floor(nats, lab, heads, CRASHES);

    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const floorP50 = percentile(floorLatencies, 50);
    const floorP99 = percentile(floorLatencies, 99);
    figures.push(
      { name: "block to venue handler p50", value: p50, unit: "ms", baseline: floorP50 },
      {
        name: "block to venue handler p99",
        value: p99,
        unit: "ms",
        baseline: floorP99,
        target: `<= floor p99 + ${TARGET_ABOVE_FLOOR_MS} ms`,
        met: p99 <= floorP99 + TARGET_ABOVE_FLOOR_MS,
      },
      {
        name: "block to venue handler max",
        value: Math.max(...latencies),
        unit: "ms",
        baseline: Math.max(...floorLatencies),
      },
      { name: "block to last of 100 venues p50", value: percentile(lastVenue, 50), unit: "ms" },
      { name: "p99 above the floor's p99", value: p99 - floorP99, unit: "ms" },
      {
        name: "confirmations 1: from the block that makes it 1 deep, p50",
        value: percentile(fromDeepEnough, 50),
        unit: "ms",
        baseline: p50,
      },
      {
        name: "confirmations 1: from the crash's block, p50",
        value: percentile(fromCrashBlock, 50),
        unit: "ms",
        baseline: p50,
      },
      {
        name: "cost of one extra block of depth, p50",
        value: percentile(fromCrashBlock, 50) - p50,
        unit: "ms",
        baseline: percentile(intervals, 50),
        target: "= the block interval (baseline column: p50 of the intervals seen by the raw subscriber)",
      },
      { name: "hop: head → price event on the bus p50", value: percentile(hopTimes.event, 50), unit: "ms" },
      { name: "hop: head → price event on the bus p99", value: percentile(hopTimes.event, 99), unit: "ms" },
      {
        name: "hop: head → price event on the bus max",
        value: Math.max(...hopTimes.event),
        unit: "ms",
        target: "< 500 ms: never a poll (pollMs 1000)",
        met: Math.max(...hopTimes.event) < 500,
      },
      { name: "hop: event → assessment p50", value: percentile(hopTimes.assessment, 50), unit: "ms" },
      { name: "hop: event → assessment p99", value: percentile(hopTimes.assessment, 99), unit: "ms" },
      { name: "hop: assessment → signal p50", value: percentile(hopTimes.signal, 50), unit: "ms" },
      { name: "hop: assessment → signal p99", value: percentile(hopTimes.signal, 99), unit: "ms" },
      {
        name: "hop: signal → first venue handler p50",
        value: percentile(hopTimes.firstVenue, 50),
        unit: "ms",
      },
      {
        name: "hop: signal → first venue handler p99",
        value: percentile(hopTimes.firstVenue, 99),
        unit: "ms",
      },
      {
        name: "hop: signal → last of 100 venue handlers p50",
        value: percentile(hopTimes.lastVenue, 50),
        unit: "ms",
      },
      {
        name: "hop: signal → last of 100 venue handlers p99",
        value: percentile(hopTimes.lastVenue, 99),
        unit: "ms",
      },
    );
    const load1 = loadavg();
    notes.push(
      `${CRASHES} crashes (each a fresh asset, 100 → 92 in one block) × ${VENUES} venues = ${latencies.length} handler runs; a warm-up crash not counted`,
      "t0: a raw websocket newHeads subscriber in the bench process sees the crash's block; t1: each VenueClient handler runs (same process, performance.now())",
      `floor: the same subscriber, and on each of ${CRASHES} mined blocks one raw NATS core publish (400 B) to ${VENUES} subscribers on their own connections`,
      "path: watcher (confirmations 0, new heads over websocket, pollMs 1000 as fallback) → BW_CHAIN_EVENTS → correlator assessment → BW_ASSESSMENTS → coordinator decision, signing, BW_SIGNALS append → log reader → gRPC over mutual TLS → VenueClient (signature checked, handler, ack)",
      `per extra block of confirmation depth: ${DEEP_CRASHES} more crashes on feeds a second watcher follows at confirmations 1, the next block mined ${NEXT_BLOCK_MS} ms after the crash's (Hardhat mines only on transactions, so the interval is the bench's); from the block that makes the crash 1 deep the path is the same as at depth 0 (baseline column: depth 0's p50), so each extra block costs one block interval of the chain`,
      "venues ack RECEIVED after each handler (the SDK's default): those 100 acks reach the coordinator while it is still writing the signal to the other streams; with autoAck off, signal → last venue p50 fell from ~65 ms to ~22 ms in one run here",
      `machine load average (1/5/15 min) at start ${load0.map((l) => l.toFixed(2)).join("/")}, at end ${load1.map((l) => l.toFixed(2)).join("/")} (2 cores, shared)`,
    );
  } finally {
    for (const c of clients) c.close();
    heads?.close();
    await bus?.close();
    await Promise.all(processes.map((p) => p.stop()));
    pki.dispose();
    await Promise.all([nats.dispose(), lab.stop()]);
  }
  saveReport({
    bench: "block-to-venue",
    description:
      "from the block that moves the price to each of 100 venue SDK handlers, vs raw newHeads + NATS fan-out",
    figures,
    notes,
  });
}

await main();
process.exit(0);
