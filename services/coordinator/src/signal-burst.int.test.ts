import { type Bus, codecs, connectBus, replay, streams, subjects } from "@breakwater/bus";
import { issueSignal, type SignalDraft } from "@breakwater/core";
import { type Signal, SignalKind } from "@breakwater/proto";
import { type NatsServer, startNats } from "@breakwater/testkit";
import { propagation, ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotLeaderError } from "./errors.js";
import { termStartDraft } from "./leader-role.js";
import { SignalLogFollower } from "./log-follower.js";
import { SignalIndex } from "./signal-index.js";
import { SignalLog } from "./signal-log.js";

const log = pino({ level: "silent" });

function draft(id: string): SignalDraft {
  return {
    signalId: id,
    kind: SignalKind.SIGNAL_KIND_ADVISORY,
    ruleId: "test-rule",
    scope: { assets: ["ETH"], markets: [], venues: [], chains: [] },
    reason: `test ${id}`,
    evidence: [],
    action: { $case: "advisory", value: { code: "test", message: id } },
    durationMs: 0,
  };
}

const drafts = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => draft(`${prefix}-${i}`));

async function storedLog(bus: Bus) {
  const entries: { streamSeq: number; sequence: number; signalId: string }[] = [];
  await replay(bus, {
    stream: streams.signals.name,
    onMessage: (subject, data, seq) => {
      const s = codecs.signal.decode(data, subject);
      entries.push({ streamSeq: seq, sequence: s.sequence, signalId: s.signalId });
    },
  });
  return entries;
}

/**
 * A replica whose index records every entry it hands on (what its venues are
 * served), and whose writer can run a hook as each burst entry is signed.
 */
function replica(bus: Bus, term: number) {
  const index = new SignalIndex();
  const served: { sequence: number; signalId: string | undefined }[] = [];
  index.onEntry((sequence, signal) => served.push({ sequence, signalId: signal?.signalId }));
  const follower = SignalLogFollower.start(bus, index, log);
  const hooks = { onSign: (_signal: Signal) => {} };
  const writer = new SignalLog(bus, index, {
    leadMs: 500,
    leaderTerm: term,
    sign: (signal) => {
      hooks.onSign(signal);
      return signal;
    },
  });
  return { index, served, follower, writer, hooks };
}

/** Publishes a stranger's entry on `bus` at once: on the same connection it reaches the stream between two of a burst's. */
function strangerAppends(bus: Bus, signal: Signal): void {
  void bus.js.publish(subjects.signal, codecs.signal.encode(signal), { msgID: signal.signalId });
}

describe("pipelined appends against a real nats-server", () => {
  let nats: NatsServer;
  let bus: Bus;
  let leader: ReturnType<typeof replica>;

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "signal-burst-test" });
    leader = replica(bus, 1);
  });
  afterAll(async () => {
    await leader?.follower.stop();
    await bus?.close();
    await nats?.dispose();
  });

  it("default: a burst of 300 appends in one round takes one gap-free run of sequences, served once each in order", async () => {
    const before = (await bus.jsm.streams.info(streams.signals.name)).state.last_seq;
    const publishes: number[] = [];
    leader.hooks.onSign = (s) => publishes.push(s.sequence);
    const { appended, failure } = await leader.writer.appendAll(drafts("burst", 300));
    leader.hooks.onSign = () => {};
    expect(failure).toBeUndefined();
    expect(appended.map((a) => a.signal.sequence)).toEqual(
      Array.from({ length: 300 }, (_, i) => before + i + 1),
    );
    expect(appended.every((a) => !a.duplicate && a.fenced === 0)).toBe(true);
    // one round: every entry was signed (and sent) once, none retried
    expect(publishes).toHaveLength(300);
    const stored = await storedLog(bus);
    expect(stored.map((e) => e.sequence)).toEqual(stored.map((_, i) => i + 1));
    expect(stored.every((e) => e.streamSeq === e.sequence)).toBe(true);
    // the append path and the stream reader both feed the index: each sequence once, in order
    await leader.follower.caughtUp();
    expect(leader.served.map((e) => e.sequence)).toEqual(stored.map((e) => e.sequence));
    expect(leader.served.map((e) => e.signalId)).toEqual(stored.map((e) => e.signalId));
  });

  it("behavior: a burst repeating logged signal ids appends only the new ones, after the tail", async () => {
    const again = [
      draft("burst-3"),
      draft("burst-299"),
      draft("fresh-0"),
      draft("burst-4"),
      draft("fresh-1"),
    ];
    const tail = leader.index.last;
    const { appended, failure } = await leader.writer.appendAll(again);
    expect(failure).toBeUndefined();
    expect(appended.map((a) => [a.signal.signalId, a.duplicate])).toEqual([
      ["burst-3", true],
      ["burst-299", true],
      ["fresh-0", false],
      ["burst-4", true],
      ["fresh-1", false],
    ]);
    expect(appended.filter((a) => !a.duplicate).map((a) => a.signal.sequence)).toEqual([tail + 1, tail + 2]);
    expect((await storedLog(bus)).filter((e) => e.signalId === "burst-3")).toHaveLength(1);
  });

  it("tracing: each signal of a burst gathered from several decisions continues its own decision's trace", async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const traceIds = ["a", "b", "c", "d"].map((c) => c.repeat(32));
      const contexts = traceIds.map((traceId, i) =>
        trace.setSpanContext(ROOT_CONTEXT, {
          traceId,
          spanId: String(i + 1).repeat(16),
          traceFlags: TraceFlags.SAMPLED,
        }),
      );
      // a logged id first, so the burst's own entries start one draft in
      const { appended, failure } = await leader.writer.appendAll(
        [draft("burst-5"), draft("traced-0"), draft("traced-1"), draft("traced-2")],
        contexts,
      );
      expect(failure).toBeUndefined();
      const fresh = appended.filter((a) => !a.duplicate);
      expect(fresh.map((a) => a.signal.signalId)).toEqual(["traced-0", "traced-1", "traced-2"]);
      expect(fresh.map((a) => leader.index.traceOf(a.signal.sequence).split("-")[1])).toEqual(
        traceIds.slice(1),
      );
    } finally {
      propagation.disable();
    }
  });

  it("fencing: a stranger's entry mid-burst refuses the rest of the round; the writer re-reads and appends them after it", async () => {
    const tail = leader.index.last;
    const stranger = issueSignal(draft("stranger-same-term"), {
      sequence: tail + 11,
      issuedAtMs: Date.now(),
      leadMs: 500,
      leaderTerm: 1,
    });
    leader.hooks.onSign = (s) => {
      if (s.sequence === tail + 11 && s.signalId === "mid-10") strangerAppends(bus, stranger);
    };
    const { appended, failure } = await leader.writer.appendAll(drafts("mid", 40));
    leader.hooks.onSign = () => {};
    expect(failure).toBeUndefined();
    // the first ten kept their places; the stranger took the eleventh; the rest follow it
    expect(appended.map((a) => a.signal.sequence)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => tail + 1 + i),
      ...Array.from({ length: 30 }, (_, i) => tail + 12 + i),
    ]);
    expect(appended[10]!.fenced).toBe(1);
    const stored = await storedLog(bus);
    expect(stored.map((e) => e.sequence)).toEqual(stored.map((_, i) => i + 1));
    expect(stored.every((e) => e.streamSeq === e.sequence)).toBe(true);
    expect(stored[tail + 10]!.signalId).toBe("stranger-same-term");
    expect(new Set(stored.map((e) => e.signalId)).size).toBe(stored.length);
    await leader.follower.caughtUp();
    expect(leader.served.map((e) => e.sequence)).toEqual(stored.map((e) => e.sequence));
    expect(leader.served.map((e) => e.signalId)).toEqual(stored.map((e) => e.signalId));
  });

  it("fencing: a new term opened mid-burst fails the rest of the burst; nothing after the refusal is stored or served", async () => {
    const tail = leader.index.last;
    const next = issueSignal(termStartDraft(2, "replica-b"), {
      sequence: tail + 6,
      issuedAtMs: Date.now(),
      leadMs: 500,
      leaderTerm: 2,
    });
    leader.hooks.onSign = (s) => {
      if (s.signalId === "deposed-5") strangerAppends(bus, next);
    };
    const { appended, failure } = await leader.writer.appendAll(drafts("deposed", 50));
    leader.hooks.onSign = () => {};
    expect(appended.map((a) => a.signal.signalId)).toEqual(drafts("deposed", 5).map((d) => d.signalId));
    expect(failure).toBeInstanceOf(NotLeaderError);
    const stored = await storedLog(bus);
    expect(stored.at(-1)).toMatchObject({ sequence: tail + 6, signalId: "leader-term:2" });
    expect(stored.filter((e) => e.signalId.startsWith("deposed-"))).toHaveLength(5);
    await leader.follower.caughtUp();
    // no refused entry reached the index (what venues are served from), and nothing advanced past the log
    const served = leader.served.map((e) => e.signalId ?? "");
    expect(served.filter((id) => id.startsWith("deposed-"))).toEqual(
      drafts("deposed", 5).map((d) => d.signalId),
    );
    expect(leader.index.last).toBe(tail + 6);
    for (let i = 5; i < 50; i++) expect(leader.index.bySignalId(`deposed-${i}`)).toBeUndefined();
    // and the deposed writer appends nothing more
    await expect(leader.writer.append(draft("after-deposed"))).rejects.toThrow(NotLeaderError);
    expect((await storedLog(bus)).length).toBe(tail + 6);
  });
});
