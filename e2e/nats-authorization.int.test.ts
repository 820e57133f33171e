import {
  BusAuthenticationError,
  BusPermissionError,
  buckets,
  connectBus,
  publish,
  seedFileOf,
  subjects,
} from "@breakwater/bus";
import { eventually, freePort, startService } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSystem, startSystem } from "./system.js";

const VENUES = ["perp-a"];
const bytes = (s: string) => new TextEncoder().encode(s);

// The whole system as real processes, each service with its own NATS identity
// and the permissions scripts/nats-auth.ts generates (docs/architecture.md,
// "NATS identities and permissions").
describe("NATS identities and permissions: the whole system", () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startSystem({ chains: ["sim-a", "sim-b"], venues: VENUES });
  }, 90_000);
  afterAll(async () => {
    await system?.stop();
  });

  it("every service does its job under its own identity: the crash on both chains halts the venue", async () => {
    await eventually(
      () => (system.signals("perp-a").some((s) => s.kind === "circuit_breaker") ? true : undefined),
      60_000,
      "the venue received the halt",
    );
    // and nothing any service tried was refused
    const services = [...system.watchers.values(), system.correlator, system.coordinator];
    for (const p of services) expect(p.output()).not.toMatch(/NATS denied/);
  }, 90_000);

  it("the correlator reads the signal log under its own identity: the halt is in the researcher history", async () => {
    const logged = (await (await fetch(`${system.addresses["coordinator http"]}/v1/signals`)).json()) as {
      signals: { sequence: number; signalId: string }[];
    };
    const res = await fetch(`${system.addresses["correlator http"]}/v1/history?kinds=signal&limit=1000`);
    expect(res.status).toBe(200);
    const history = (await res.json()) as { entries: { signal: { sequence: number; signalId: string } }[] };
    expect(history.entries.map((e) => [e.signal.sequence, e.signal.signalId])).toEqual(
      logged.signals.map((s) => [s.sequence, s.signalId]),
    );
    expect(history.entries.some((e) => e.signal.signalId.startsWith("circuit-breaker"))).toBe(true);
    expect(system.correlator.output()).not.toMatch(/NATS denied/);
  }, 30_000);

  it("a watcher's credential cannot publish another chain's events, a signal, or another chain's checkpoint", async () => {
    const bus = await system.connectAs({ kind: "watcher", chain: "sim-a" });
    try {
      await expect(
        publish(bus, subjects.price("sim-b"), bytes("forged"), { msgId: "forged-price" }),
      ).rejects.toBeInstanceOf(BusPermissionError);
      await expect(
        publish(bus, subjects.signal, bytes("forged"), { msgId: "forged-signal" }),
      ).rejects.toThrow(/NATS denied publish on bw\.signal/);
      const kv = await bus.kvm.open(buckets.checkpoints);
      await expect(kv.put("sim-b", "{}")).rejects.toThrow(/permissions violation/i);
    } finally {
      await bus.close();
    }
    // the signal log holds only what the coordinator appended
    const coordinator = await system.connectAs({ kind: "coordinator" });
    try {
      const sigs = await (await fetch(`${system.addresses["coordinator http"]}/v1/signals`)).text();
      expect(sigs).not.toContain("forged");
    } finally {
      await coordinator.close();
    }
  });

  it("a client without credentials cannot connect, so it reads nothing", async () => {
    await expect(connectBus({ url: system.nats.url, name: "anonymous" })).rejects.toBeInstanceOf(
      BusAuthenticationError,
    );
  });

  it("a watcher given another chain's identity is refused by NATS at start, with the refused subject named", async () => {
    const p = startService("services/watcher/src/main.ts", ["--chain", "sim-a"], {
      BW_NATS_URL: system.nats.url,
      BW_NATS_SEED_FILE: seedFileOf(system.natsAuthDir, { kind: "watcher", chain: "sim-b" }),
      BW_HTTP_HOST: "127.0.0.1",
      BW_HTTP_PORT: String(await freePort()),
    });
    try {
      expect(await p.exited()).not.toBe(0);
      expect(p.output()).toMatch(/NATS denied subscribe on _INBOX_watcher_sim_a/);
    } finally {
      await p.kill();
    }
  }, 60_000);
});
