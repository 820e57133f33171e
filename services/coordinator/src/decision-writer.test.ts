import { issueSignal, type PolicyRule, type SignalDraft } from "@breakwater/core";
import { SignalKind } from "@breakwater/proto";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { DecisionWriter } from "./decision-writer.js";
import type { Appended, BurstAppended, SignalLog } from "./signal-log.js";

const log = pino({ level: "silent" });

function draft(id: string): SignalDraft {
  return {
    signalId: id,
    kind: SignalKind.SIGNAL_KIND_ADVISORY,
    ruleId: "r",
    scope: { assets: ["ETH"], markets: [], venues: [], chains: [] },
    reason: id,
    evidence: [],
    action: { $case: "advisory", value: { code: "t", message: id } },
    durationMs: 0,
  };
}

/** A rule that decides one signal named after each observation's asset. */
const rule: PolicyRule = {
  id: "r",
  evaluate: (o) => [draft((o as { asset: string }).asset)],
  restore: () => {},
};
const observe = (asset: string) => ({ asset }) as unknown as Parameters<DecisionWriter["decide"]>[0];

/** A signal log whose bursts the test settles by hand. */
function manualLog() {
  const bursts: { drafts: string[]; settle: (ok: number, failure?: unknown) => void }[] = [];
  let sequence = 0;
  const signalLog = {
    appendAll(drafts: readonly SignalDraft[]): Promise<BurstAppended> {
      return new Promise((resolve) => {
        bursts.push({
          drafts: drafts.map((d) => d.signalId),
          settle: (ok, failure) => {
            const appended: Appended[] = drafts.slice(0, ok).map((d) => ({
              signal: issueSignal(d, { sequence: ++sequence, issuedAtMs: 1, leadMs: 0, leaderTerm: 1 }),
              duplicate: false,
              fenced: 0,
            }));
            resolve({ appended, ...(failure === undefined ? {} : { failure }) });
          },
        });
      });
    },
  } as unknown as SignalLog;
  return { signalLog, bursts };
}

const flushed = () => new Promise((r) => setTimeout(r, 0));

describe("DecisionWriter", () => {
  it("default: decisions made while a burst is in flight go together as the next burst; each caller gets its own", async () => {
    const { signalLog, bursts } = manualLog();
    const writer = new DecisionWriter([rule], signalLog, log);
    const first = writer.decide(observe("a"), 0);
    const later = ["b", "c", "d"].map((asset) => writer.decide(observe(asset), 0));
    expect(bursts.map((b) => b.drafts)).toEqual([["a"]]);
    bursts[0]!.settle(1);
    expect((await first).map((a) => a.signal.signalId)).toEqual(["a"]);
    await flushed();
    expect(bursts.map((b) => b.drafts)).toEqual([["a"], ["b", "c", "d"]]);
    bursts[1]!.settle(3);
    const results = await Promise.all(later);
    expect(results.map((r) => r.map((a) => [a.signal.signalId, a.signal.sequence]))).toEqual([
      [["b", 2]],
      [["c", 3]],
      [["d", 4]],
    ]);
  });

  it("behavior: a burst cut short fails the callers whose drafts it did not append; the unappended drafts go first next time, once", async () => {
    const { signalLog, bursts } = manualLog();
    const writer = new DecisionWriter([rule], signalLog, log);
    const calls = ["a", "b", "c"].map((asset) => writer.decide(observe(asset), 0));
    const outcomes = calls.map((c) =>
      c.then(
        () => "ok",
        (err: Error) => err.message,
      ),
    );
    await flushed();
    // a's burst alone, then b and c together; b is appended, c refused
    bursts[0]!.settle(1);
    await flushed();
    bursts[1]!.settle(1, new Error("deposed"));
    expect(await Promise.all(outcomes)).toEqual(["ok", "ok", "deposed"]);
    expect(writer.backlog).toBe(1);
    const next = writer.decide(observe("e"), 0);
    await flushed();
    expect(bursts[2]!.drafts).toEqual(["c", "e"]);
    bursts[2]!.settle(2);
    expect((await next).map((a) => a.signal.signalId)).toEqual(["e"]);
    expect(writer.backlog).toBe(0);
  });
});
