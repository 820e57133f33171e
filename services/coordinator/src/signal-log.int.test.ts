import {
  type Bus,
  codecs,
  connectBus,
  FencedAppendError,
  publish,
  replay,
  streams,
  subjects,
} from "@breakwater/bus";
import type { SignalDraft } from "@breakwater/core";
import { SignalKind } from "@breakwater/proto";
import { type NatsServer, startNats } from "@breakwater/testkit";
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

/** One replica: its own reader (index + follower) and its own writer. */
function replica(bus: Bus) {
  const index = new SignalIndex();
  const follower = SignalLogFollower.start(bus, index, log);
  const writer = new SignalLog(bus, index, { leadMs: 500, leaderTerm: 1 });
  return { index, follower, writer };
}

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

describe("SignalLog against a real nats-server", () => {
  let nats: NatsServer;
  let bus: Bus;
  let a: ReturnType<typeof replica>;
  let b: ReturnType<typeof replica>;

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "signal-log-test" });
    a = replica(bus);
    b = replica(bus);
  });
  afterAll(async () => {
    await a?.follower.stop();
    await b?.follower.stop();
    await bus?.close();
    await nats?.dispose();
  });

  it("default: appends take consecutive sequences equal to the stream sequence", async () => {
    const first = await a.writer.append(draft("s-1"));
    const second = await a.writer.append(draft("s-2"));
    expect([first.signal.sequence, second.signal.sequence]).toEqual([1, 2]);
    expect(first.duplicate).toBe(false);
    expect(second.signal.effectiveAtMs - second.signal.issuedAtMs).toBe(500);
    await a.index.waitFor(2);
    expect(a.index.get(2)?.signalId).toBe("s-2");
    expect(await storedLog(bus)).toEqual([
      { streamSeq: 1, sequence: 1, signalId: "s-1" },
      { streamSeq: 2, sequence: 2, signalId: "s-2" },
    ]);
  });

  it("behavior: a publish with a stale expected sequence is fenced by the stream", async () => {
    const stale = codecs.signal.encode({ ...a.index.get(1)!, signalId: "stale", sequence: 2 });
    await expect(
      publish(bus, subjects.signal, stale, { msgId: "stale", expectLastSequence: 1 }),
    ).rejects.toBeInstanceOf(FencedAppendError);
  });

  it("behavior: a writer with a stale view is fenced, re-reads the tail and appends after it", async () => {
    await b.index.waitFor(2);
    const bFirst = await b.writer.append(draft("b-1")); // b's view: tail 3
    expect(bFirst.signal.sequence).toBe(3);
    await a.writer.append(draft("a-3")); // a is fenced once (it believed 2), lands at 4
    await a.writer.append(draft("a-4")); // 5
    const bSecond = await b.writer.append(draft("b-2")); // b believes 3: fenced, retries at 6
    expect(bSecond.fenced).toBe(1);
    expect(bSecond.duplicate).toBe(false);
    expect(bSecond.signal.sequence).toBe(6);
    const stored = await storedLog(bus);
    expect(stored.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stored.every((e) => e.streamSeq === e.sequence)).toBe(true);
    expect(new Set(stored.map((e) => e.signalId)).size).toBe(stored.length);
  });

  it("behavior: re-appending a logged signal id returns the original sequence and sends nothing", async () => {
    const before = (await bus.jsm.streams.info(streams.signals.name)).state.last_seq;
    const again = await a.writer.append(draft("s-1"));
    expect(again).toMatchObject({ duplicate: true, signal: { sequence: 1, signalId: "s-1" } });
    // a fresh replica (its reader may not have read it yet: then the stream's dedup window stops it)
    const c = replica(bus);
    const viaStream = await c.writer.append(draft("a-4"));
    await c.follower.stop();
    expect(viaStream.duplicate).toBe(true);
    expect(viaStream.signal).toMatchObject({ sequence: 5, signalId: "a-4" });
    expect((await bus.jsm.streams.info(streams.signals.name)).state.last_seq).toBe(before);
  });

  it("behavior: a fenced writer whose draft another writer already appended does not append it again", async () => {
    // b's reader is down while a appends b's next decision first, under the same signal id.
    await b.follower.stop();
    const shared = draft("shared-decision");
    const byA = await a.writer.append(shared);
    await a.writer.append(draft("a-after-shared"));
    // Outside the stream's dedup window only the reader's index can catch it: shrink the window.
    await bus.jsm.streams.update(streams.signals.name, { duplicate_window: 100_000_000 });
    await new Promise((r) => setTimeout(r, 250)); // setup: let the 100 ms window pass
    b.follower = SignalLogFollower.start(bus, b.index, log); // b's reader resumes, behind the tail
    const byB = await b.writer.append(shared);
    expect(byB).toMatchObject({ duplicate: true, fenced: 1, signal: { sequence: byA.signal.sequence } });
    const stored = await storedLog(bus);
    expect(stored.filter((e) => e.signalId === "shared-decision")).toHaveLength(1);
  });

  it("fencing: once a later term opened the log, a deposed writer with an up-to-date view cannot append", async () => {
    // Both replicas are caught up; b's reader was restarted by the previous test.
    const tail = (await bus.jsm.streams.info(streams.signals.name)).state.last_seq;
    await a.index.waitFor(tail);
    await b.index.waitFor(tail);
    const deposed = new SignalLog(bus, a.index, { leadMs: 500, leaderTerm: 1 });
    await deposed.readTail(); // its view of the tail is current: only the term can stop it
    const next = new SignalLog(bus, b.index, { leadMs: 500, leaderTerm: 2 });
    const opened = await next.append(termStartDraft(2, "replica-b"));
    expect(opened.signal).toMatchObject({ sequence: tail + 1, leaderTerm: 2, scope: { internal: true } });

    await expect(deposed.append(draft("from-the-deposed-leader"))).rejects.toThrow(NotLeaderError);
    await expect(deposed.append(draft("from-the-deposed-leader"))).rejects.toThrow(
      /log holds a signal of term 2/,
    );
    const stored = await storedLog(bus);
    expect(stored.map((e) => e.signalId)).not.toContain("from-the-deposed-leader");
    expect(stored.at(-1)!.sequence).toBe(tail + 1);
  });

  it("fencing: a writer whose lease is gone appends nothing", async () => {
    const lapsed = new SignalLog(bus, b.index, { leadMs: 500, leaderTerm: 2, holdsLease: () => false });
    await expect(lapsed.append(draft("after-the-lease"))).rejects.toThrow(/the lease is lost/);
    expect((await storedLog(bus)).map((e) => e.signalId)).not.toContain("after-the-lease");
  });
});
