/**
 * Coordinator: issue-to-venue latency at 1 and 10 subscribed venues and in five
 * consecutive runs at 100, and a burst of 1,000 signals decided at once
 * delivered to 100 venues; each next to a raw NATS publish → subscribe fan-out
 * to the same number of subscribers, measured in the same run (the latency
 * floor right after each run).
 *
 * The coordinator runs as its own process (signing, the JetStream append with
 * fencing, the log reader and the gRPC fan-out all included); venues are raw
 * gRPC subscriptions over mutual TLS in this process, one channel each,
 * timestamping arrival. Issue-to-venue = arrival (this process's clock) −
 * `issued_at` (the coordinator's clock, same machine, whole milliseconds).
 * Append-to-venue = arrival − the time the stream stored the signal (the
 * server's clock, same machine, nanoseconds): the same path from the append
 * on, without the millisecond rounding.
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import {
  type Bus,
  codecs,
  connectBus,
  consumers,
  publish,
  publishMany,
  streams,
  subjects,
} from "@breakwater/bus";
import { numberToDecimal } from "@breakwater/core";
import { channelCredentialsOf } from "@breakwater/identity";
import { CoordinationServiceClient, type RiskAssessment, type SubscribeResponse } from "@breakwater/proto";
import { createTestPki, freePort, startNats, startService, type TestPki } from "@breakwater/testkit";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Figure, percentile, saveReport } from "./lib.js";

/** Latency runs: venues subscribed in each; the target is judged at 100, in every run. */
const LATENCY_RUNS = [1, 10, 100, 100, 100, 100, 100];
const TARGET_VENUES = 100;
const LATENCY_SIGNALS = 60;
const PACE_MS = 25;
const BURST_SIGNALS = 1_000;
const BURST_VENUES = 100;

const nowMs = () => performance.timeOrigin + performance.now();
const progress = (what: string) => process.stderr.write(`${new Date().toISOString()} ${what}\n`);

/** Waits until `done()`, failing after `timeoutMs`. */
async function until(done: () => boolean, what: string, timeoutMs = 60_000, stepMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(stepMs);
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let counter = 0;
function assessment(asset: string, price: number, atMs: number): RiskAssessment {
  counter++;
  return {
    assessmentId: `bench-${counter}`,
    asset,
    referencePrice: numberToDecimal(price),
    agreeingSources: 3,
    priceTimeMs: atMs,
    assessedAtMs: atMs,
    venues: [], // every venue
    markets: [`${asset}-PERP`],
    chains: ["sim-a"],
    staleChains: [],
    grossNotional: 1,
    chainNotional: [],
    degradedChains: [],
    correlations: [],
  };
}

async function publishAssessments(bus: Bus, assessments: RiskAssessment[]): Promise<void> {
  await publishMany(
    bus,
    assessments.map((a) => ({
      subject: subjects.assessment(a.asset),
      data: codecs.assessment.encode(a),
      msgId: a.assessmentId,
    })),
  );
}

/** Resolves once the coordinator has acked every assessment published so far. */
async function assessmentsConsumed(bus: Bus, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await bus.jsm.consumers.info(streams.assessments.name, consumers.coordinatorAssessments);
    if (info.num_pending === 0 && info.num_ack_pending === 0) return;
    if (Date.now() > deadline) throw new Error("the coordinator did not consume the primed assessments");
    await sleep(50);
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

function loadNote(): string {
  const [one, five] = loadavg();
  return `${cpus().length} cores, load average ${one!.toFixed(2)} (1 min) ${five!.toFixed(2)} (5 min) at the end, shared with other work`;
}

/** One halt: the asset at 100, then 8% lower. The second assessment issues the signal. */
async function triggerHalt(bus: Bus, asset: string): Promise<void> {
  const at = Date.now() - 10_000;
  for (const [i, price] of [100, 92].entries()) {
    const a = assessment(asset, price, at + i * 1_000);
    await publish(bus, subjects.assessment(asset), codecs.assessment.encode(a), { msgId: a.assessmentId });
  }
}

/** Milliseconds since the epoch at which the stream stored each sequence (nanosecond timestamps). */
async function storedAt(bus: Bus, sequences: Iterable<number>): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const seq of sequences) {
    const msg = await bus.jsm.streams.getMessage("BW_SIGNALS", { seq });
    if (msg) out.set(seq, epochMsOf(msg.timestamp));
  }
  return out;
}

/** An RFC 3339 time with up to nanosecond digits, as milliseconds since the epoch (fraction kept). */
function epochMsOf(rfc3339: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(rfc3339);
  if (!m) throw new Error(`not an RFC 3339 time: ${rfc3339}`);
  const fraction = Number(`0.${(m[2] ?? "0").padEnd(9, "0")}`);
  return Date.parse(`${m[1]}${m[3]}`) + fraction * 1_000;
}

interface Venues {
  /** Per signal sequence, arrival times at each venue. */
  readonly arrivals: Map<number, { issuedAtMs: number; at: number[] }>;
  close(): void;
}

async function subscribeVenues(
  address: string,
  n: number,
  afterSequence: number,
  pki: TestPki,
): Promise<Venues> {
  const arrivals = new Map<number, { issuedAtMs: number; at: number[] }>();
  const clients: CoordinationServiceClient[] = [];
  const calls: { cancel(): void }[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    // distinct options → a channel (HTTP/2 connection) per venue, as separate venues would have
    // each venue with its own certificate (mutual TLS, as in production)
    const client = new CoordinationServiceClient(address, channelCredentialsOf(pki.venueTls(`venue-${i}`)), {
      "grpc.primary_user_agent": `bench-venue-${i}`,
    });
    clients.push(client);
    // batches as the SDK asks for them (VenueClient's default maxBatch)
    const call = client.subscribe({ venueId: `venue-${i}`, afterSequence, maxBatch: 256 });
    calls.push(call);
    ready.push(
      new Promise((resolve, reject) => {
        call.on("error", (err) => reject(new Error(`venue-${i} subscription failed: ${err.message}`)));
        call.on("data", (response: SubscribeResponse) => {
          const t = nowMs();
          for (const r of response.batch ? response.batch.items : [response]) {
            if (r.item?.$case === "marker") resolve();
            if (r.item?.$case !== "signal") continue;
            const s = r.item.value;
            let entry = arrivals.get(s.sequence);
            if (!entry) {
              entry = { issuedAtMs: s.issuedAtMs, at: [] };
              arrivals.set(s.sequence, entry);
            }
            entry.at.push(t);
          }
        });
      }),
    );
  }
  await Promise.all(ready);
  return {
    arrivals,
    close: () => {
      for (const c of calls) c.cancel();
      for (const c of clients) c.close();
    },
  };
}

async function waitAll(venues: Venues, signals: number, n: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const complete = [...venues.arrivals.values()].filter((e) => e.at.length >= n).length;
    if (complete >= signals) return;
    if (Date.now() > deadline) throw new Error(`only ${complete}/${signals} signals reached all ${n} venues`);
    await sleep(20);
  }
}

/**
 * Raw NATS fan-out: one publisher, `n` subscribers each on its own connection;
 * latency per delivery of `messages` paced ones, then messages per second from
 * the first publish of a burst of `burst` to its last delivery.
 */
async function rawFanout(
  url: string,
  n: number,
  messages: number,
  paceMs: number,
  size: number,
  burst: number,
) {
  const pub = await connect({ servers: url });
  const subs: NatsConnection[] = [];
  const latencies: number[] = [];
  let received = 0;
  for (let i = 0; i < n; i++) {
    const nc = await connect({ servers: url });
    subs.push(nc);
    nc.subscribe("bench.raw", {
      callback: (_err, msg) => {
        const sent = new DataView(msg.data.buffer, msg.data.byteOffset).getFloat64(0);
        latencies.push(nowMs() - sent);
        received++;
      },
    });
    await nc.flush();
  }
  const payload = new Uint8Array(size);
  const send = () => {
    new DataView(payload.buffer).setFloat64(0, nowMs());
    pub.publish("bench.raw", payload);
  };
  for (let i = 0; i < messages; i++) {
    send();
    await sleep(paceMs);
  }
  await until(() => received >= messages * n, `raw fan-out: ${received}/${messages * n} paced deliveries`);
  const burstStart = nowMs();
  received = 0;
  for (let i = 0; i < burst; i++) send();
  await until(
    () => received >= burst * n,
    `raw fan-out: ${received}/${burst * n} burst deliveries`,
    60_000,
    1,
  );
  const perSecond = burst / ((nowMs() - burstStart) / 1_000);
  await pub.close();
  for (const nc of subs) await nc.close();
  return { latencies: latencies.slice(0, messages * n), perSecond };
}

async function main(): Promise<void> {
  const nats = await startNats();
  const bus = await connectBus({ url: nats.url, name: "bench" });
  const grpcPort = await freePort();
  const pki = await createTestPki(
    Array.from({ length: Math.max(...LATENCY_RUNS, BURST_VENUES) }, (_, i) => `venue-${i}`),
  );
  const coordinator = startService("services/coordinator/src/main.ts", [], {
    ...pki.coordinatorEnv(),
    BW_NATS_URL: nats.url,
    BW_GRPC_PORT: String(grpcPort),
    BW_HTTP_PORT: "0",
    BW_LOG_LEVEL: "info",
    BW_ACK_ADVISORY: "false",
    BW_SIGNAL_LEAD_MS: "500",
    // each run subscribes every venue anew; the previous run's streams may not have closed yet
    BW_MAX_STREAMS_PER_VENUE: "16",
  });
  const figures: Figure[] = [];
  const notes: string[] = [];
  try {
    await coordinator.waitFor(/"msg":"coordinator started"/, 30_000);
    await triggerHalt(bus, "WARMUP");
    await sleep(1_500);
    const address = `127.0.0.1:${grpcPort}`;
    const size = 400;
    let run = 0;
    const ratios: string[] = [];
    for (const n of LATENCY_RUNS) {
      run++;
      const after = (await bus.jsm.streams.info("BW_SIGNALS")).state.last_seq;
      progress(`latency run ${run}: ${n} venues`);
      const venues = await subscribeVenues(address, n, after, pki);
      for (let i = 0; i < LATENCY_SIGNALS; i++) {
        await triggerHalt(bus, `L${run}X${i}`);
        await sleep(PACE_MS);
      }
      await waitAll(venues, LATENCY_SIGNALS, n);
      venues.close();
      const latencies = [...venues.arrivals.values()].flatMap((e) => e.at.map((t) => t - e.issuedAtMs));
      const stored = await storedAt(bus, venues.arrivals.keys());
      const fromAppend = [...venues.arrivals].flatMap(([seq, e]) => e.at.map((t) => t - stored.get(seq)!));
      const raw = await rawFanout(nats.url, n, LATENCY_SIGNALS, PACE_MS, size, 0);
      const rawP99 = percentile(raw.latencies, 99);
      const p99 = percentile(latencies, 99);
      const label = n === TARGET_VENUES ? `${n} venues, run ${ratios.length + 1}` : `${n} venues`;
      const judged = n === TARGET_VENUES;
      if (judged) ratios.push(`${(p99 / rawP99).toFixed(2)}x${p99 <= 3 * rawP99 ? "" : " (over 3x)"}`);
      figures.push(
        {
          name: `${label}: issue-to-venue p50`,
          value: percentile(latencies, 50),
          unit: "ms",
          baseline: percentile(raw.latencies, 50),
        },
        {
          name: `${label}: issue-to-venue p99`,
          value: p99,
          unit: "ms",
          baseline: rawP99,
          ...(judged ? { target: "<= 3x raw fan-out p99", met: p99 <= 3 * rawP99 } : {}),
        },
        {
          name: `${label}: append-to-venue p99 (ns clock)`,
          value: percentile(fromAppend, 99),
          unit: "ms",
          baseline: rawP99,
        },
        {
          name: `${label}: issue-to-venue max`,
          value: Math.max(...latencies),
          unit: "ms",
          baseline: Math.max(...raw.latencies),
        },
      );
    }

    // A crash decided at once: 1,000 assets primed, then 1,000 falls published together.
    const burstAfter = (await bus.jsm.streams.info("BW_SIGNALS")).state.last_seq;
    progress(`burst: ${BURST_SIGNALS} signals to ${BURST_VENUES} venues`);
    const venues = await subscribeVenues(address, BURST_VENUES, burstAfter, pki);
    const at = Date.now() - 10_000;
    const assets = Array.from({ length: BURST_SIGNALS }, (_, i) => `B${i}`);
    await publishAssessments(
      bus,
      assets.map((asset) => assessment(asset, 100, at)),
    );
    await assessmentsConsumed(bus);
    progress("burst: assets primed");
    const cpuBefore = { coordinator: cpuSecondsOf(coordinator.child.pid), bench: process.cpuUsage() };
    await publishAssessments(
      bus,
      assets.map((asset) => assessment(asset, 92, at + 1_000)),
    );
    await waitAll(venues, BURST_SIGNALS, BURST_VENUES, 120_000);
    const coordinatorCpu = cpuSecondsOf(coordinator.child.pid) - cpuBefore.coordinator;
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    venues.close();
    const burstLast = (await bus.jsm.streams.info("BW_SIGNALS")).state.last_seq;
    const stored = await storedAt(bus, [burstAfter + 1, burstLast]);
    const firstAppend = stored.get(burstAfter + 1)!;
    const appendSpanMs = stored.get(burstLast)! - firstAppend;
    const lastDelivery = Math.max(...[...venues.arrivals.values()].flatMap((e) => e.at));
    const burstPerSecond = BURST_SIGNALS / ((lastDelivery - firstAppend) / 1_000);
    const rawBurst = await rawFanout(nats.url, BURST_VENUES, 0, 0, size, BURST_SIGNALS);
    figures.push({
      name: `burst of ${BURST_SIGNALS.toLocaleString("en-US")}: first to last append`,
      value: appendSpanMs,
      unit: "ms",
    });
    figures.push({
      name: `burst of ${BURST_SIGNALS.toLocaleString("en-US")} to ${BURST_VENUES} venues: signals/s`,
      value: burstPerSecond,
      unit: "signals/s",
      baseline: rawBurst.perSecond,
      target: ">= 0.5x raw fan-out rate",
      met: burstPerSecond >= 0.5 * rawBurst.perSecond,
    });
    notes.push(
      `issue-to-venue p99 at ${TARGET_VENUES} venues over raw fan-out p99, five consecutive runs: ${ratios.join(", ")}`,
      `baseline: raw NATS core publish → subscribers (one connection each), ${LATENCY_SIGNALS} messages of ${size} B paced ${PACE_MS} ms right after each run; for the burst, ${BURST_SIGNALS} messages at once to ${BURST_VENUES} subscribers, first publish to last delivery`,
      "coordinator: Ed25519 signing, JetStream append with expected last sequence (pipelined in bursts), delivery to the leader's venues on the stream's ack, gRPC fan-out over mutual TLS; venue acks off (acks are a separate path)",
      "issued_at has millisecond resolution: issue-to-venue carries up to +1 ms of rounding; append-to-venue uses the stream's nanosecond storage time instead",
      `burst: ${BURST_SIGNALS} assets primed, then ${BURST_SIGNALS} assessments that each halt one published at once; signals/s from the stream storing the first signal to the last delivery at the last venue`,
      `burst CPU: coordinator ${coordinatorCpu.toFixed(2)} s, this process (the ${BURST_VENUES} venues' gRPC clients and decoding) ${((benchCpu.user + benchCpu.system) / 1e6).toFixed(2)} s`,
      `machine: ${loadNote()}`,
    );
  } finally {
    await coordinator.stop();
    pki.dispose();
    await bus.close();
    await nats.dispose();
  }
  saveReport({
    bench: "coordinator",
    description: "issue-to-venue latency and a 1,000-signal burst vs raw NATS fan-out",
    figures,
    notes,
  });
}

await main();
process.exit(0);
