import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NatsServer, startNats } from "@breakwater/testkit";
import { nkeys } from "@nats-io/transport-node";
import { register } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploymentRoles, renderAuthorization } from "./authorization.js";
import { type Bus, connectBus } from "./connection.js";
import { ensureDurable } from "./consume.js";
import { BusAuthenticationError, BusPermissionError } from "./errors.js";
import { ensureSeedFiles, seedFileOf } from "./nkey-files.js";
import type { BusRole } from "./permissions.js";
import { publish } from "./publish.js";
import { publishMany } from "./publish-many.js";
import { replay } from "./replay.js";
import { buckets, consumers, streams, subjects } from "./subjects.js";

// A real nats-server with the authorization config scripts/nats-auth.ts generates for two chains.
describe("NATS identities and permissions", () => {
  let nats: NatsServer;
  let dir: string;
  const alpha: BusRole = { kind: "watcher", chain: "alpha" };
  const correlator: BusRole = { kind: "correlator" };
  const coordinator: BusRole = { kind: "coordinator" };
  const open: Bus[] = [];
  const as = async (role: BusRole) => {
    const bus = await connectBus({
      url: nats.url,
      name: `test-${role.kind}`,
      role,
      credentials: { nkeySeedFile: seedFileOf(dir, role) },
    });
    open.push(bus);
    return bus;
  };
  const bytes = (s: string) => new TextEncoder().encode(s);
  const denials = async (operation: string) =>
    (await register.getSingleMetric("bw_bus_permission_denied_total")?.get())?.values
      .filter((v) => v.labels["operation"] === operation)
      .reduce((n, v) => n + v.value, 0) ?? 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "bw-nats-auth-"));
    const identities = ensureSeedFiles(dir, deploymentRoles(["alpha", "beta"]));
    nats = await startNats({ config: renderAuthorization(identities) });
  });
  afterAll(async () => {
    for (const bus of open) await bus.close();
    await nats?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("behavior: a watcher publishes its chain's events and writes its own checkpoint", async () => {
    const bus = await as(alpha);
    const one = await publish(bus, subjects.heartbeat("alpha"), bytes("hb"), { msgId: "hb-1" });
    expect(one.stream).toBe(streams.chainEvents.name);
    const many = await publishMany(bus, [
      { subject: subjects.position("alpha"), data: bytes("p"), msgId: "p-1" },
      { subject: subjects.price("alpha"), data: bytes("t"), msgId: "t-1" },
    ]);
    expect(many.map((p) => p.stream)).toEqual([streams.chainEvents.name, streams.chainEvents.name]);
    const kv = await bus.kvm.create(buckets.checkpoints, { history: 1 });
    await kv.put("alpha", '{"block":1}');
    expect((await kv.get("alpha"))?.string()).toBe('{"block":1}');
  });

  it("behavior: a watcher cannot publish another chain's subject, a signal, or another chain's checkpoint", async () => {
    const bus = await as(alpha);
    const before = await denials("publish");
    await expect(
      publish(bus, subjects.position("beta"), bytes("x"), { msgId: "x-1" }),
    ).rejects.toBeInstanceOf(BusPermissionError);
    await expect(publish(bus, subjects.signal, bytes("forged"), { msgId: "forged-1" })).rejects.toThrow(
      /NATS denied publish on bw\.signal/,
    );
    await expect(
      publishMany(bus, [{ subject: subjects.retraction("beta"), data: bytes("x"), msgId: "x-2" }], {
        retryForMs: 60_000,
      }),
    ).rejects.toBeInstanceOf(BusPermissionError);
    const kv = await bus.kvm.open(buckets.checkpoints);
    await expect(kv.put("beta", '{"block":999}')).rejects.toThrow(/permissions violation/i);
    expect(await denials("publish")).toBeGreaterThanOrEqual(before + 4);
  });

  it("behavior: a watcher cannot read a stream or listen to subjects", async () => {
    const bus = await as(alpha);
    await expect(
      replay(bus, { stream: streams.chainEvents.name, onMessage: () => undefined }),
    ).rejects.toThrow(/permissions violation/i);
    const refused = new Promise<BusPermissionError>((resolve) => bus.onPermissionDenied(resolve));
    bus.nc.subscribe("bw.>");
    expect((await refused).operation).toBe("subscribe");
  });

  it("behavior: the correlator reads chain events and publishes assessments, but cannot sign off signals", async () => {
    const bus = await as(correlator);
    await ensureDurable(bus, { stream: streams.chainEvents.name, durable: consumers.correlatorChainEvents });
    const seen: string[] = [];
    await replay(bus, { stream: streams.chainEvents.name, onMessage: (subject) => void seen.push(subject) });
    expect(seen).toContain(subjects.heartbeat("alpha"));
    await publish(bus, subjects.assessment("eth"), bytes("a"), { msgId: "a-1" });
    await expect(
      publish(bus, subjects.signal, bytes("forged"), { msgId: "forged-2" }),
    ).rejects.toBeInstanceOf(BusPermissionError);
    await expect(
      publish(bus, subjects.position("alpha"), bytes("x"), { msgId: "x-3" }),
    ).rejects.toBeInstanceOf(BusPermissionError);
  });

  it("behavior: the coordinator appends signals, reads its log and assessments, and holds its lease", async () => {
    const bus = await as(coordinator);
    const last = (await bus.jsm.streams.info(streams.signals.name)).state.last_seq;
    const appended = await publish(bus, subjects.signal, bytes("s"), {
      msgId: "s-1",
      expectLastSequence: last,
    });
    expect(appended.seq).toBe(last + 1);
    const read: number[] = [];
    await replay(bus, { stream: streams.signals.name, onMessage: (_s, _d, seq) => void read.push(seq) });
    expect(read).toContain(appended.seq);
    await replay(bus, { stream: streams.assessments.name, onMessage: () => undefined });
    const kv = await bus.kvm.create(buckets.leader, { history: 1 });
    await kv.create("lease", "me");
    expect((await kv.get("lease"))?.string()).toBe("me");
    await expect(
      publish(bus, subjects.heartbeat("alpha"), bytes("x"), { msgId: "x-4" }),
    ).rejects.toBeInstanceOf(BusPermissionError);
  });

  it("behavior: the Kafka exporter reads the signal log through its own durable, and can neither publish a signal nor read through another consumer", async () => {
    const bus = await as({ kind: "kafka-exporter" });
    await ensureDurable(bus, { stream: streams.signals.name, durable: consumers.kafkaExporterSignals });
    const consumer = await bus.js.consumers.get(streams.signals.name, consumers.kafkaExporterSignals);
    const batch = await consumer.fetch({ max_messages: 1, expires: 2_000 });
    for await (const m of batch) {
      m.ack();
      break;
    }
    await bus.jsm.consumers.delete(streams.signals.name, consumers.kafkaExporterSignals);
    await expect(
      publish(bus, subjects.signal, bytes("forged"), { msgId: "forged-3" }),
    ).rejects.toBeInstanceOf(BusPermissionError);
    await expect(publish(bus, subjects.snapshot, bytes("x"), { msgId: "x-5" })).rejects.toBeInstanceOf(
      BusPermissionError,
    );
    await expect(
      ensureDurable(bus, { stream: streams.signals.name, durable: "someone-else" }),
    ).rejects.toThrow(/permissions violation/i);
    await expect(
      replay(bus, { stream: streams.chainEvents.name, onMessage: () => undefined }),
    ).rejects.toThrow(/permissions violation/i);
  });

  it("behavior: a client without credentials, or with an unknown identity, cannot connect", async () => {
    await expect(connectBus({ url: nats.url, name: "anonymous" })).rejects.toBeInstanceOf(
      BusAuthenticationError,
    );
    const stranger = join(dir, "stranger.nk");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(stranger, new TextDecoder().decode(nkeys.createUser().getSeed()));
    await expect(
      connectBus({ url: nats.url, name: "stranger", credentials: { nkeySeedFile: stranger } }),
    ).rejects.toBeInstanceOf(BusAuthenticationError);
  });
});
