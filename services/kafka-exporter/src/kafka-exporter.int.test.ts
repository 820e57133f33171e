import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Bus,
  type BusRole,
  codecs,
  connectBus,
  deploymentRoles,
  ensureSeedFiles,
  publish,
  renderAuthorization,
  seedFileOf,
  streams,
  subjects,
} from "@breakwater/bus";
import { AckState, ExposureSnapshot, Signal, SignalKind } from "@breakwater/proto";
import {
  eventually,
  type KafkaMock,
  type KcatRecord,
  type NatsServer,
  type ServiceProcess,
  startKafkaMock,
  startNats,
  startService,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ENTRY = "services/kafka-exporter/src/main.ts";
const ASSETS = ["BTC", "ETH", "SOL"] as const;

/** Signals of the test: sequence n, scoped to one asset in turn. */
const signal = (n: number) =>
  Signal.fromPartial({
    sequence: n,
    signalId: `test:${n}`,
    kind: SignalKind.SIGNAL_KIND_ADVISORY,
    issuedAtMs: 1_700_000_000_000 + n,
    scope: { assets: [ASSETS[n % ASSETS.length]!] },
    reason: `advisory ${n}`,
  });

// The NATS server runs with the generated authorization: the exporter connects
// as its own identity, the test publishes as the coordinator and the correlator.
describe("kafka-exporter against librdkafka's mock cluster, read back with kcat", () => {
  let nats: NatsServer;
  let kafka: KafkaMock;
  let dir: string;
  let coordinator: Bus;
  let correlator: Bus;
  let signalsPublished = 0;
  /** Stream sequences of every signal published so far. */
  const signalSequences: number[] = [];
  const procs: ServiceProcess[] = [];

  const as = (role: BusRole) =>
    connectBus({
      url: nats.url,
      name: `test-${role.kind}`,
      role,
      credentials: { nkeySeedFile: seedFileOf(dir, role) },
    });

  const startExporter = async (env: Record<string, string> = {}) => {
    const proc = startService(ENTRY, [], {
      BW_NATS_URL: nats.url,
      BW_NATS_SEED_FILE: seedFileOf(dir, { kind: "kafka-exporter" }),
      BW_KAFKA_BROKERS: kafka.bootstrapServers,
      BW_HTTP_PORT: "0",
      BW_LOG_LEVEL: "info",
      ...env,
    });
    procs.push(proc);
    const started = JSON.parse(await proc.waitFor(/"msg":"kafka-exporter started"/, 30_000)) as {
      http: string;
    };
    return { proc, http: started.http };
  };

  /** Publishes signal n; resolves with its stream sequence. */
  const publishSignal = async (n: number) => {
    const stored = await publish(coordinator, subjects.signal, codecs.signal.encode(signal(n)), {
      msgId: `test:${n}`,
    });
    signalsPublished = Math.max(signalsPublished, n);
    signalSequences.push(stored.seq);
    return stored.seq;
  };

  /** Records after a consumer's deduplication on (stream, sequence, part): the first of each. */
  const firstOfEach = (records: readonly KcatRecord[]) => {
    const seen = new Map<string, KcatRecord>();
    for (const r of records) {
      const id = `${r.headers["bw-stream"]}/${r.headers["bw-sequence"]}/${r.headers["bw-part"] ?? ""}`;
      const first = seen.get(id);
      // a repeat is the same record: same key, value and timestamp (the stream's stored time)
      if (first)
        expect([r.key, r.value, r.timestamp], `repeat of ${id}`).toEqual([
          first.key,
          first.value,
          first.timestamp,
        ]);
      else seen.set(id, r);
    }
    return [...seen.values()];
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "bw-kafka-exporter-"));
    const identities = ensureSeedFiles(dir, deploymentRoles(["sim-a"]));
    [nats, kafka] = await Promise.all([
      startNats({ config: renderAuthorization(identities) }),
      startKafkaMock(),
    ]);
    coordinator = await as({ kind: "coordinator" });
    correlator = await as({ kind: "correlator" });
  }, 30_000);

  afterAll(async () => {
    for (const p of procs) await p.kill();
    await coordinator?.close();
    await correlator?.close();
    await Promise.all([nats?.dispose(), kafka?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("default: signals keyed by asset, acks by venue, snapshots split by asset, each with its stream and sequence in headers; garbage is dead-lettered and counted", async () => {
    const testStart = Date.now() - 1_000; // the NATS server's clock may lag ours a little
    for (let n = 1; n <= 6; n++) await publishSignal(n);
    // garbage on the signal subject (not a Signal): the exporter must not crash on it
    await publish(coordinator, subjects.signal, new Uint8Array([0xff, 0xff, 0xff]), { msgId: "garbage-1" });
    await publish(
      coordinator,
      subjects.ack("perp-a"),
      codecs.ack.encode({ venueId: "perp-a", sequence: 1, state: AckState.ACK_STATE_APPLIED, detail: "" }),
      { msgId: "ack-1" },
    );
    await publish(
      coordinator,
      subjects.ack("perp-b"),
      codecs.ack.encode({ venueId: "perp-b", sequence: 1, state: AckState.ACK_STATE_APPLIED, detail: "" }),
      { msgId: "ack-2" },
    );
    const row = (asset: string, venueId: string) => ({
      asset,
      venueId,
      chainId: "sim-a",
      longNotional: 10,
      shortNotional: 0,
      netNotional: 10,
      grossNotional: 10,
      collateralValue: 0,
      positions: 1,
      stale: false,
    });
    await publish(
      correlator,
      subjects.snapshot,
      codecs.snapshot.encode(
        ExposureSnapshot.fromPartial({
          takenAtMs: 1_700_000_000_000,
          rows: [row("ETH", "perp-a"), row("BTC", "perp-a"), row("ETH", "perp-b")],
          referencePrices: { ETH: "2000", BTC: "60000" },
        }),
      ),
      { msgId: "snap-1" },
    );

    const exporterStart = Date.now();
    const { proc, http } = await startExporter();
    const signals = await eventually(
      async () => {
        const r = await kafka.readAll("breakwater.signals");
        return r.length >= 6 ? r : undefined;
      },
      20_000,
      "six signals in Kafka",
    );
    expect(signals).toHaveLength(6);
    for (const r of signals) {
      const body = JSON.parse(r.value) as { sequence: number; signalId: string; scope: { assets: string[] } };
      expect(r.key).toBe(body.scope.assets[0]);
      expect(r.headers).toMatchObject({
        "bw-stream": streams.signals.name,
        "bw-subject": subjects.signal,
        "bw-type": "breakwater.v1.Signal",
        "content-type": "application/json",
      });
      // the stream sequence (1..7 with the garbage at 7), here equal to the signal's
      expect(Number(r.headers["bw-sequence"])).toBe(body.sequence);
      expect(body.signalId).toBe(`test:${body.sequence}`);
      // stamped with when the stream stored it, not when it was exported
      expect(r.timestamp).toBeGreaterThanOrEqual(testStart);
      expect(r.timestamp).toBeLessThan(exporterStart);
    }

    const acks = await eventually(async () => {
      const r = await kafka.readAll("breakwater.acks");
      return r.length >= 2 ? r : undefined;
    });
    expect(acks.map((r) => [r.key, r.headers["bw-stream"], r.headers["bw-sequence"]]).sort()).toEqual([
      ["perp-a", streams.acks.name, "1"],
      ["perp-b", streams.acks.name, "2"],
    ]);

    const parts = await eventually(async () => {
      const r = await kafka.readAll("breakwater.snapshots");
      return r.length >= 2 ? r : undefined;
    });
    expect(parts.map((r) => [r.key, r.headers["bw-part"], r.headers["bw-sequence"]]).sort()).toEqual([
      ["BTC", "1/2", "1"],
      ["ETH", "2/2", "1"],
    ]);
    const eth = JSON.parse(parts.find((r) => r.key === "ETH")!.value) as {
      rows: unknown[];
      referencePrices: object;
    };
    expect(eth.rows).toHaveLength(2);
    expect(eth.referencePrices).toEqual({ ETH: "2000" });

    // the garbage went to the exporter's dead letters, counted, and the process lives on
    const dead = await eventually(async () => {
      const info = await coordinator.jsm.streams.info(streams.deadLetters.name, {
        subjects_filter: subjects.deadLetter("kafka-exporter"),
      });
      return info.state.subjects?.[subjects.deadLetter("kafka-exporter")];
    });
    expect(dead).toBe(1);
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/bw_kafka_exporter_rejected_total\{stream="BW_SIGNALS",reason="malformed"\} 1/);
    expect(metrics).toMatch(/bw_kafka_exporter_messages_exported_total\{stream="BW_SIGNALS"\} 6/);
    expect((await fetch(`${http}/readyz`)).status).toBe(200);
    expect(proc.child.exitCode).toBeNull();
    await proc.stop();
  }, 60_000);

  it("behavior: SIGKILLed mid-stream and restarted, it resumes from its durable consumers: nothing lost, each key in stream order, repeats only with the same sequence header", async () => {
    const before = signalsPublished;
    for (let n = before + 1; n <= before + 400; n++) await publishSignal(n);
    const first = await startExporter();
    // kill it part-way through the backlog, as soon as its metrics show progress
    const exportedAtKill = await eventually(
      async () => {
        const text = await (await fetch(`${first.http}/metrics`)).text();
        const m = /bw_kafka_exporter_last_exported_sequence\{stream="BW_SIGNALS"\} (\d+)/.exec(text);
        return m && Number(m[1]) >= before + 40 ? Number(m[1]) : undefined;
      },
      20_000,
      "the exporter part-way through",
    );
    await first.proc.kill();
    expect(exportedAtKill, "killed mid-stream").toBeLessThan(before + 400);
    // more arrive while it is down
    for (let n = before + 401; n <= before + 450; n++) await publishSignal(n);

    const second = await startExporter();
    const records = await eventually(
      async () => {
        const r = await kafka.readAll("breakwater.signals");
        return firstOfEach(r).length >= signalsPublished ? r : undefined;
      },
      30_000,
      "every signal in Kafka after the restart",
    );
    const unique = firstOfEach(records);
    const sequences = unique.map((r) => Number(r.headers["bw-sequence"]));
    // every stored signal is there, once after deduplication (the garbage is not)
    const expected = [...signalSequences].sort((a, b) => a - b);
    expect([...sequences].sort((a, b) => a - b)).toEqual(expected);
    // per key (one partition each), offsets follow the stream's order
    for (const asset of ASSETS) {
      const ofKey = unique.filter((r) => r.key === asset).sort((a, b) => a.offset - b.offset);
      expect(new Set(ofKey.map((r) => r.partition)).size).toBe(1);
      const seqs = ofKey.map((r) => Number(r.headers["bw-sequence"]));
      expect(seqs, `order of ${asset}`).toEqual([...seqs].sort((a, b) => a - b));
    }
    await second.proc.stop();
  }, 90_000);

  it("behavior: Kafka gone, it retries without acking, turns unready, exits after giveUpAfterMs; restarted against brokers that answer, it delivers what was never acknowledged", async () => {
    const gone = await startKafkaMock();
    const settings = { BW_KAFKA_EXPORTS: "signals", BW_KAFKA_GIVE_UP_AFTER_MS: "1500" };
    const first = await startExporter({ ...settings, BW_KAFKA_BROKERS: gone.bootstrapServers });
    const from = signalsPublished + 1;
    for (let n = from; n < from + 10; n++) await publishSignal(n);
    await eventually(
      async () => ((await gone.readAll("breakwater.signals")).length >= 10 ? true : undefined),
      20_000,
      "ten signals on the first brokers",
    );
    await gone.stop();
    const unacknowledged: number[] = [];
    for (let n = from + 10; n < from + 30; n++) unacknowledged.push(await publishSignal(n));
    const notReady = await eventually(async () => {
      const res = await fetch(`${first.http}/readyz`).catch(() => undefined);
      return res?.status === 503 ? ((await res.json()) as { reason: string }).reason : undefined;
    });
    expect(notReady).toMatch(/Kafka has not acknowledged breakwater\.signals/);
    expect(await first.proc.exited()).toBe(1);
    expect(first.proc.output()).toMatch(/kafka-exporter cannot continue/);

    const back = await startKafkaMock();
    try {
      const second = await startExporter({ ...settings, BW_KAFKA_BROKERS: back.bootstrapServers });
      const records = await eventually(async () => {
        const r = await back.readAll("breakwater.signals");
        return r.length >= 20 ? r : undefined;
      }, 20_000);
      // published after the first brokers went away: none was acknowledged there, all are here
      const seqs = new Set(records.map((r) => Number(r.headers["bw-sequence"])));
      for (const seq of unacknowledged) expect(seqs.has(seq), `stream sequence ${seq}`).toBe(true);
      await second.proc.stop();
    } finally {
      await back.stop();
    }
  }, 90_000);
});
