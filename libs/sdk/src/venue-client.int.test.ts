import { generateKeyPairSync } from "node:crypto";
import { keyIdOf, rawPublicKey, signSignal } from "@breakwater/core";
import type { SigningKey } from "@breakwater/proto";
import {
  type AckRequest,
  AckState,
  type CoordinationServiceServer,
  CoordinationServiceService,
  type Signal,
  SignalKind,
  type SubscribeRequest,
  type SubscribeResponse,
} from "@breakwater/proto";
import { eventually } from "@breakwater/testkit";
import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServerWritableStream,
  status,
} from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidClientOptionsError } from "./errors.js";
import { VenueClient, type VenueClientOptions } from "./venue-client.js";

type Call = ServerWritableStream<SubscribeRequest, SubscribeResponse>;

/**
 * A coordinator that follows a script, including the mistakes the real one
 * must never make (skipping a signal, replaying one twice), so the client's
 * defences can be observed. It is a real gRPC server on 127.0.0.1.
 */
class ScriptedCoordinator {
  readonly subscribes: SubscribeRequest[] = [];
  readonly acks: AckRequest[] = [];
  /** What GetSigningKeys returns. */
  keys: SigningKey[] = [];
  keyFetches = 0;
  private readonly server = new Server();

  constructor(private readonly scripts: ((call: Call) => void)[]) {}

  async start(): Promise<string> {
    const impl: CoordinationServiceServer = {
      subscribe: (call) => {
        const script = this.scripts[this.subscribes.length];
        this.subscribes.push(call.request);
        call.sendMetadata(new Metadata());
        script?.(call);
      },
      ack: (call, cb) => {
        this.acks.push(call.request);
        cb(null, { recorded: true });
      },
      listSignals: (_call, cb) => cb(null, { signals: [], lastSequence: 0 }),
      getVenueStatus: (_call, cb) => cb({ code: status.UNIMPLEMENTED }),
      getSigningKeys: (_call, cb) => {
        this.keyFetches++;
        cb(null, { keys: this.keys });
      },
    };
    this.server.addService(CoordinationServiceService, impl);
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    return `127.0.0.1:${port}`;
  }

  stop(): void {
    this.server.forceShutdown();
  }

  ackLog(): string[] {
    return this.acks.map(
      (a) =>
        `${a.sequence}:${a.state === AckState.ACK_STATE_RECEIVED ? "received" : a.state === AckState.ACK_STATE_APPLIED ? "applied" : "rejected"}`,
    );
  }
}

function signal(sequence: number, times: Partial<Pick<Signal, "issuedAtMs" | "effectiveAtMs">> = {}): Signal {
  const issuedAtMs = times.issuedAtMs ?? Date.now();
  return {
    sequence,
    signalId: `s-${sequence}`,
    kind: SignalKind.SIGNAL_KIND_ADVISORY,
    issuedAtMs,
    effectiveAtMs: times.effectiveAtMs ?? issuedAtMs + 100,
    expiresAtMs: 0,
    scope: { assets: ["ETH"], markets: [], venues: ["perp-a"], chains: [] },
    reason: "test",
    ruleId: "test",
    evidence: [],
    action: { $case: "advisory", value: { code: "t", message: "" } },
    leaderTerm: 1,
    keyId: "",
    signature: Buffer.alloc(0),
  };
}

const sig = (s: Signal, previousInScope: number): SubscribeResponse => ({
  item: { $case: "signal", value: s },
  previousInScope,
  traceparent: "",
  batch: undefined,
});
const marker = (logSequence: number, previousInScope: number): SubscribeResponse => ({
  item: { $case: "marker", value: { logSequence, atMs: Date.now() } },
  previousInScope,
  traceparent: "",
  batch: undefined,
});

describe("VenueClient against a scripted coordinator", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function setup(scripts: ((call: Call) => void)[], extra: Partial<VenueClientOptions> = {}) {
    const coordinator = new ScriptedCoordinator(scripts);
    const address = await coordinator.start();
    const handled: Signal[] = [];
    const app = {
      handle: (s: Signal, _client: VenueClient): void => {
        handled.push(s);
      },
    };
    const client: VenueClient = new VenueClient({
      address,
      // a stand-in coordinator without TLS
      credentials: credentials.createInsecure(),
      venueId: "perp-a",
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      handler: (s) => app.handle(s, client),
      ...extra,
    });
    const events: string[] = [];
    for (const name of [
      "subscribed",
      "synced",
      "gap",
      "duplicate",
      "disconnected",
      "late",
      "skew",
      "error",
    ] as const) {
      client.on(name, () => events.push(name));
    }
    cleanups.push(
      () => client.close(),
      () => coordinator.stop(),
    );
    return { coordinator, client, handled, events, app };
  }

  it("behavior: a skipped signal is a gap; the client resubscribes from the last one it processed", async () => {
    const { coordinator, client, handled, events } = await setup([
      (call) => {
        call.write(sig(signal(1), 0));
        call.write(sig(signal(3), 2)); // 2 was skipped
      },
      (call) => {
        call.write(sig(signal(2), 1));
        call.write(sig(signal(3), 2));
        call.write(marker(3, 3));
      },
    ]);
    const gaps: number[] = [];
    client.on("gap", (err) => gaps.push(err.resumeFrom));
    client.start();
    await eventually(() => (handled.length === 3 && coordinator.acks.length === 3 ? true : undefined));
    expect(handled.map((s) => s.sequence)).toEqual([1, 2, 3]);
    expect(coordinator.subscribes.map((r) => r.afterSequence)).toEqual([0, 1]);
    expect(gaps).toEqual([1]);
    expect(events.filter((e) => e === "gap")).toHaveLength(1);
    expect(coordinator.ackLog()).toEqual(["1:received", "2:received", "3:received"]);
    expect(client.lastSequence).toBe(3);
  });

  it("batches: the client asks for them, handles and acks each item in order, and a gap inside a batch resubscribes from the last one it processed", async () => {
    const batch = (...items: SubscribeResponse[]): SubscribeResponse => ({
      item: undefined,
      previousInScope: 0,
      traceparent: "",
      batch: { items },
    });
    const { coordinator, client, handled } = await setup([
      (call) => {
        // 3 is missing between 2 and 4: items after the gap are not handled
        call.write(batch(sig(signal(1), 0), sig(signal(2), 1), sig(signal(4), 3), sig(signal(5), 4)));
      },
      (call) => {
        call.write(batch(sig(signal(3), 2), sig(signal(4), 3)));
        call.write(batch(sig(signal(5), 4), marker(5, 5)));
      },
    ]);
    const gaps: number[] = [];
    client.on("gap", (err) => gaps.push(err.resumeFrom));
    const synced = new Promise((resolve) => client.once("synced", resolve));
    client.start();
    await synced;
    await eventually(() => (coordinator.acks.length === 5 ? true : undefined));
    expect(handled.map((s) => s.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(gaps).toEqual([2]);
    expect(coordinator.subscribes.map((r) => [r.afterSequence, r.maxBatch])).toEqual([
      [0, 256],
      [2, 256],
    ]);
    expect(coordinator.ackLog()).toEqual([
      "1:received",
      "2:received",
      "3:received",
      "4:received",
      "5:received",
    ]);
  });

  it("behavior: after the stream fails the client resumes from its last sequence and drops replayed duplicates", async () => {
    const { coordinator, client, handled, events } = await setup([
      (call) => {
        call.write(sig(signal(1), 0));
        call.write(sig(signal(2), 1));
        call.write(marker(3, 2));
        call.emit("error", { code: status.UNAVAILABLE, details: "coordinator restarting" });
      },
      (call) => {
        call.write(sig(signal(2), 1)); // replayed twice by mistake
        call.write(sig(signal(4), 2));
        call.write(marker(4, 4));
      },
    ]);
    const duplicates: number[] = [];
    client.on("duplicate", ({ sequence }) => duplicates.push(sequence));
    client.start();
    await eventually(() => (handled.length === 3 ? true : undefined));
    expect(handled.map((s) => s.sequence)).toEqual([1, 2, 4]);
    expect(coordinator.subscribes.map((r) => r.afterSequence)).toEqual([0, 3]);
    expect(duplicates).toEqual([2]);
    expect(events.filter((e) => e === "disconnected")).toHaveLength(1);
    expect(events.filter((e) => e === "gap")).toHaveLength(0);
  });

  it("behavior: a silent stream is abandoned after the idle timeout and resubscribed", async () => {
    // generous enough that a loaded machine does not time out the second, live stream too
    const { coordinator, client } = await setup([() => undefined, (call) => call.write(marker(0, 0))], {
      idleTimeoutMs: 1_000,
    });
    const synced = new Promise((resolve) => client.once("synced", resolve));
    const lost: string[] = [];
    client.on("disconnected", ({ error }) => lost.push(error.message));
    client.start();
    await synced;
    expect(coordinator.subscribes).toHaveLength(2);
    expect(lost[0]).toMatch(/idle timeout/);
  });

  it("behavior: applyAt runs at effective_at and acks APPLIED after RECEIVED; late and skewed signals are reported", async () => {
    const now = Date.now();
    const onTime = signal(1, { issuedAtMs: now, effectiveAtMs: now + 300 });
    const late = signal(2, { issuedAtMs: now - 2_000, effectiveAtMs: now - 1_500 });
    const skewed = signal(3, { issuedAtMs: now + 5_000, effectiveAtMs: now + 5_100 });
    const applied: { sequence: number; appliedAtMs: number; effectiveAtMs: number }[] = [];
    const { coordinator, client, events, app } = await setup([
      (call) => {
        call.write(sig(onTime, 0));
        call.write(sig(late, 1));
        call.write(sig(skewed, 2));
      },
    ]);
    // the application applies the first two at their effective time
    app.handle = (s, c) => {
      if (s.sequence < 3) void c.applyAt(s, () => undefined);
    };
    client.on("applied", (info) => applied.push(info));
    const lateBy: number[] = [];
    client.on("late", (info) => lateBy.push(info.lateByMs));
    const skews: number[] = [];
    client.on("skew", (info) => skews.push(info.skewMs));
    client.start();
    await eventually(() => (coordinator.acks.length === 5 ? true : undefined));
    const acks = coordinator.ackLog();
    expect([...acks].sort()).toEqual(["1:applied", "1:received", "2:applied", "2:received", "3:received"]);
    for (const seq of [1, 2])
      expect(acks.indexOf(`${seq}:received`)).toBeLessThan(acks.indexOf(`${seq}:applied`));
    expect(acks.at(-1)).toBe("1:applied"); // only at its effective time
    const first = applied.find((a) => a.sequence === 1)!;
    expect(first.appliedAtMs).toBeGreaterThanOrEqual(first.effectiveAtMs);
    expect(lateBy).toHaveLength(1);
    expect(lateBy[0]).toBeGreaterThanOrEqual(1_500);
    expect(skews).toHaveLength(1);
    expect(skews[0]).toBeGreaterThan(4_000);
    expect(events).toContain("late");
  });

  it("behavior: a handler that throws acks REJECTED, reports the error and the stream goes on", async () => {
    const { coordinator, client, handled } = await setup(
      [
        (call) => {
          call.write(sig(signal(1), 0));
          call.write(sig(signal(2), 1));
        },
      ],
      {
        handler: (s) => {
          if (s.sequence === 1) throw new Error("matching engine unavailable");
          handled.push(s);
        },
      },
    );
    const errors: string[] = [];
    client.on("error", (err) => errors.push(err.message));
    client.start();
    await eventually(() => (coordinator.acks.length === 2 ? true : undefined));
    expect(coordinator.ackLog()).toEqual(["1:rejected", "2:received"]);
    expect(coordinator.acks[0]!.detail).toBe("matching engine unavailable");
    expect(errors).toEqual(["handling signal 1 failed: matching engine unavailable"]);
    expect(handled.map((s) => s.sequence)).toEqual([2]);
  });

  it("behavior: invalid options are rejected with every problem named", () => {
    const attempt = () =>
      new VenueClient({ address: "nowhere", venueId: "", afterSequence: -1, handler: () => undefined });
    expect(attempt).toThrow(InvalidClientOptionsError);
    try {
      attempt();
    } catch (err) {
      // address, venue id, after sequence, and no TLS identity
      expect((err as InvalidClientOptionsError).problems).toHaveLength(4);
    }
  });

  describe("signatures", () => {
    const makeKey = () => {
      const { privateKey } = generateKeyPairSync("ed25519");
      const keyId = keyIdOf(privateKey);
      return {
        keyId,
        privateKey,
        published: { keyId, publicKey: rawPublicKey(privateKey), notBeforeMs: 0, notAfterMs: 0 },
      };
    };
    const current = makeKey();
    const signed = (seq: number, key = current) => signSignal(signal(seq), key.privateKey, key.keyId);

    it("behavior: with pinned keys, a tampered signal is rejected, never handled, and the stream goes on", async () => {
      const { coordinator, client, handled } = await setup(
        [
          (call) => {
            call.write(sig(signed(1), 0));
            call.write(sig({ ...signed(2), reason: "tampered in transit" }, 1));
            call.write(sig(signal(3), 2)); // unsigned
            call.write(sig(signed(4), 3));
            call.write(marker(4, 4));
          },
        ],
        { signatures: { keys: [{ keyId: current.keyId, publicKey: current.published.publicKey }] } },
      );
      const errors: string[] = [];
      client.on("error", (err) => errors.push(`${err.code}:${(err.context as { reason: string }).reason}`));
      client.start();
      await eventually(() => (coordinator.acks.length === 4 ? true : undefined));
      expect(handled.map((s) => s.sequence)).toEqual([1, 4]);
      expect(coordinator.ackLog()).toEqual(["1:received", "2:rejected", "3:rejected", "4:received"]);
      expect(coordinator.acks[1]!.detail).toBe("signature: bad_signature");
      expect(errors).toEqual(["invalid_signature:bad_signature", "invalid_signature:unsigned"]);
      expect(coordinator.keyFetches).toBe(0);
    });

    it("behavior: fetching from the coordinator trusts its published keys and refetches after a rotation", async () => {
      const next = makeKey();
      const { coordinator, client, handled } = await setup(
        [
          (call) => {
            call.write(sig(signed(1), 0));
            // the coordinator rotates: the new key is published, the old one kept for overlap
            coordinator.keys = [next.published, current.published];
            call.write(sig(signed(2, next), 1));
            call.write(sig(signed(3, makeKey()), 2)); // a key nobody publishes
            call.write(marker(3, 3));
          },
        ],
        { signatures: { fetchFromCoordinator: true } },
      );
      coordinator.keys = [current.published];
      client.start();
      await eventually(() => (coordinator.acks.length === 3 ? true : undefined));
      expect(handled.map((s) => s.sequence)).toEqual([1, 2]);
      expect(coordinator.ackLog()).toEqual(["1:received", "2:received", "3:rejected"]);
      expect(coordinator.keyFetches).toBe(3); // at start, then once per unknown key id
    });

    it("behavior: signature options without any key are invalid", () => {
      expect(
        () =>
          new VenueClient({
            address: "127.0.0.1:1",
            venueId: "v",
            credentials: credentials.createInsecure(),
            handler: () => undefined,
            signatures: {},
          }),
      ).toThrow(/pin at least one key/);
    });
  });
});
