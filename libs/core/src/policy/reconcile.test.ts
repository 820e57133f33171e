import type { Signal } from "@breakwater/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { issueSignal, type SignalDraft } from "../signal.js";
import { defaultPolicy } from "./default-policy.js";
import { PolicyEngine } from "./policy-engine.js";
import { RecentObservations } from "./recent-observations.js";
import { reconcile, type TimedObservation } from "./reconcile.js";

const PERIOD_MS = 10_000;
const WINDOW_MS = 5_000;
const T0 = 1_800_000_000_000; // a period boundary (a multiple of PERIOD_MS)
const doc = defaultPolicy({ threshold: 0.07, windowMs: WINDOW_MS, haltMs: 3_000, periodMs: PERIOD_MS });

let counter = 0;
function at(asset: string, price: number, atMs: number, priceTimeMs = atMs): TimedObservation {
  counter++;
  return {
    observation: {
      assessmentId: `a${counter}`,
      asset,
      price,
      priceTimeMs,
      venues: ["perp-a"],
      markets: [`${asset}-PERP`],
      chains: ["sim-a"],
    },
    atMs,
  };
}

/** The signal log as the coordinator keeps it: one entry per signal id, in order. */
class Log {
  readonly entries: Signal[] = [];
  private readonly ids = new Set<string>();
  append(draft: SignalDraft, atMs: number): void {
    if (this.ids.has(draft.signalId)) return;
    this.ids.add(draft.signalId);
    this.entries.push(
      issueSignal(draft, { sequence: this.entries.length + 1, issuedAtMs: atMs, leadMs: 0, leaderTerm: 1 }),
    );
  }
  has = (id: string) => this.ids.has(id);
  breakerIds(): string[] {
    return this.entries.filter((s) => s.action?.$case === "circuitBreaker").map((s) => s.signalId);
  }
}

/** A leader change at `nowMs`: a new engine rebuilt from the log and the acked observations. */
function takeOver(log: Log, acked: readonly TimedObservation[], nowMs: number) {
  const engine = new PolicyEngine(doc);
  const recent = new RecentObservations(WINDOW_MS);
  for (const t of acked) recent.add(t);
  const result = reconcile(engine, log.entries, recent.observations(), nowMs, log.has);
  for (const m of result.owed) log.append(m.draft, nowMs);
  return { engine, result };
}

describe("reconcile: decisions survive leader changes", () => {
  it("behavior: a fall assessed in an earlier period does not count in the current one; the next crash halts", () => {
    const log = new Log();
    let engine = new PolicyEngine(doc);
    const acked: TimedObservation[] = [];
    const live = (t: TimedObservation) => {
      for (const d of engine.evaluate(t.observation, t.atMs)) log.append(d, t.atMs);
      acked.push(t);
    };
    // 8% fall just before the period boundary: level 1 in period 0
    live(at("ETH", 100, T0 + PERIOD_MS - 2_000));
    live(at("ETH", 92, T0 + PERIOD_MS - 1_000));
    expect(log.breakerIds()).toEqual([`circuit-breaker-l1:ETH:p${T0 / PERIOD_MS}`]);
    // failover 1.5 s into the next period, the fall still inside the window
    const taken = takeOver(log, acked, T0 + PERIOD_MS + 500);
    engine = taken.engine;
    expect(taken.result.owed).toEqual([]);
    expect(log.breakerIds()).toHaveLength(1);
    // a new crash in the new period halts again, once
    live(at("ETH", 100, T0 + PERIOD_MS + 4_000));
    live(at("ETH", 91, T0 + PERIOD_MS + 5_000));
    live(at("ETH", 90, T0 + PERIOD_MS + 5_500));
    expect(log.breakerIds()).toEqual([
      `circuit-breaker-l1:ETH:p${T0 / PERIOD_MS}`,
      `circuit-breaker-l1:ETH:p${T0 / PERIOD_MS + 1}`,
    ]);
  });

  it("behavior: a decision whose assessment was dead-lettered is issued by the next leader while its period lasts", () => {
    const log = new Log();
    const engine = new PolicyEngine(doc);
    const acked = [at("ETH", 100, T0 + 1_000), at("ETH", 92, T0 + 2_000)];
    // the leader evaluated both, but the halt never reached the log (its appends failed; dead-lettered)
    for (const t of acked) engine.evaluate(t.observation, t.atMs);
    const same = takeOver(log, acked, T0 + 8_000);
    expect(same.result.owed.map((m) => m.draft.signalId)).toEqual([
      `circuit-breaker-l1:ETH:p${T0 / PERIOD_MS}`,
    ]);
    expect(log.breakerIds()).toHaveLength(1);
    // a second leader change finds it in the log: nothing more
    expect(takeOver(log, acked, T0 + 9_000).result.owed).toEqual([]);
    // after its period and its 3 s halt are over it has lapsed: reported, not issued
    expect(takeOver(new Log(), acked, T0 + PERIOD_MS - 1).result.owed).toHaveLength(1);
    const late = takeOver(new Log(), acked, T0 + PERIOD_MS + 1);
    expect(late.result.owed).toEqual([]);
    expect(late.result.lapsed).toHaveLength(1);
  });

  it("behavior: a price dated an hour ahead neither anchors the window nor hides the next fall", () => {
    const log = new Log();
    const engine = new PolicyEngine(doc);
    for (const t of [
      at("ETH", 100, T0 + 1_000),
      at("ETH", 100, T0 + 1_100, T0 + 3_600_000), // future-dated
      at("ETH", 95, T0 + 1_200),
      at("ETH", 92, T0 + 1_300),
    ])
      for (const d of engine.evaluate(t.observation, t.atMs)) log.append(d, t.atMs);
    expect(log.breakerIds()).toEqual([`circuit-breaker-l1:ETH:p${T0 / PERIOD_MS}`]);
  });

  it("property: with leader changes at any moment, every level fires exactly once per period it fires in without faults, never zero, never twice", () => {
    type Fault = { kind: "lost_append" | "appended_unacked" | "dead_lettered"; gapMs: number };
    const step = fc.record({
      asset: fc.constantFrom("ETH", "BTC"),
      dtMs: fc.integer({ min: 20, max: 2_500 }),
      factor: fc.double({ min: 0.9, max: 1.05, noNaN: true }),
      lagMs: fc.integer({ min: -3_000, max: 1_000 }),
      fault: fc.option(
        fc.record({
          kind: fc.constantFrom("lost_append", "appended_unacked", "dead_lettered"),
          gapMs: fc.integer({ min: 0, max: 12_000 }),
        }) as fc.Arbitrary<Fault>,
        { freq: 6 },
      ),
    });
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 5, maxLength: 80 }),
        fc.integer({ min: 0, max: 9_999 }),
        (steps, start) => {
          const prices = new Map<string, number>();
          let t = T0 + start;
          const stream = steps.map((s) => {
            t += s.dtMs;
            const price = (prices.get(s.asset) ?? 100) * s.factor;
            prices.set(s.asset, price);
            return { timed: at(s.asset, price, t, t - s.lagMs), fault: s.fault };
          });

          // Without faults: one leader sees everything once.
          const reference = new Log();
          const alone = new PolicyEngine(doc);
          for (const { timed } of stream)
            for (const d of alone.evaluate(timed.observation, timed.atMs)) reference.append(d, timed.atMs);

          // With faults: the leader dies at faulted observations and another takes over.
          const log = new Log();
          const acked: TimedObservation[] = [];
          const lapsed = new Set<string>();
          let engine = new PolicyEngine(doc);
          // the coordinator's clock: a leader change happens after everything before it
          let clock = 0;
          for (let i = 0; i < stream.length; i++) {
            const { timed, fault } = stream[i]!;
            clock = Math.max(clock, timed.atMs);
            const drafts = engine.evaluate(timed.observation, timed.atMs);
            if (!fault) {
              for (const d of drafts) log.append(d, timed.atMs);
              acked.push(timed);
              continue;
            }
            if (fault.kind === "appended_unacked") for (const d of drafts) log.append(d, timed.atMs);
            if (fault.kind === "dead_lettered") acked.push(timed);
            clock += fault.gapMs;
            const taken = takeOver(log, acked, clock);
            for (const m of taken.result.lapsed) lapsed.add(m.draft.signalId);
            engine = taken.engine;
            // an unacked assessment is redelivered to the new leader (and then acked)
            if (fault.kind !== "dead_lettered") {
              for (const d of engine.evaluate(timed.observation, timed.atMs)) log.append(d, timed.atMs);
              acked.push(timed);
            }
          }

          const issued = log.breakerIds();
          const expected = reference.breakerIds();
          // never twice: one entry per level and period
          expect(new Set(issued).size).toBe(issued.length);
          // never a signal the fault-free run would not send, but for a lower level of a
          // period whose higher level lapsed (no leader was there to issue it in time)
          const levelOf = (id: string) => Number(/-l(\d+):/.exec(id)![1]);
          const periodOf = (id: string) => id.slice(id.indexOf(":"));
          for (const id of issued) {
            if (expected.includes(id)) continue;
            const higherLapsed = [...lapsed].some(
              (l) => periodOf(l) === periodOf(id) && levelOf(l) > levelOf(id),
            );
            expect(higherLapsed, `${id} was issued without cause`).toBe(true);
          }
          // never zero: whatever is missing lapsed with its period before any leader could issue it
          for (const id of expected) if (!issued.includes(id)) expect(lapsed).toContain(id);
        },
      ),
      { numRuns: 400 },
    );
  });
});
