import type { Signal } from "@breakwater/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utcOf } from "../calendar/zoned-time.js";
import { issueSignal, type SignalDraft } from "../signal.js";
import { MarketWideBreakerRule } from "./market-wide-breaker.js";
import type { MarketWideBreakerParams, PolicyObservation, RuleSpecBase } from "./types.js";

const NY = "America/New_York";
const MIN = 60_000;
/** Rule 80B as published: 7% and 13% halt 15 minutes, not at or after 3:25 pm ET; 20% for the rest of the day. */
const RULE_80B: MarketWideBreakerParams = {
  index: "SPX",
  calendar: {
    timeZone: NY,
    sessions: [{ name: "regular", days: ["mon", "tue", "wed", "thu", "fri"], open: "09:30", close: "16:00" }],
    holidays: [],
    dayStart: "00:00",
  },
  closeAt: "16:00",
  levels: [
    { level: 1, threshold: 0.07, haltMs: 15 * MIN, mode: "full", notAtOrAfter: "15:25" },
    { level: 2, threshold: 0.13, haltMs: 15 * MIN, mode: "full", notAtOrAfter: "15:25" },
    { level: 3, threshold: 0.2, haltMs: 0, mode: "full" },
  ],
  scope: "market-wide",
};

function rule(params: Partial<MarketWideBreakerParams> = {}, groups = {}) {
  const spec: RuleSpecBase<"market-wide-breaker", MarketWideBreakerParams> = {
    kind: "market-wide-breaker",
    id: "mwcb",
    mode: "enforce",
    params: { ...RULE_80B, ...params },
    overrides: [],
  };
  return new MarketWideBreakerRule(spec, groups);
}

/** Local New York time on a date: `ny(2026, 3, 9, "10:00")`. */
const ny = (y: number, m: number, d: number, hhmm: string) => {
  const [h, min] = hhmm.split(":").map(Number) as [number, number];
  return utcOf({ year: y, month: m, day: d }, h * 3600 + min * 60, NY);
};

let n = 0;
function feed(r: MarketWideBreakerRule, path: [number, number][], asset = "SPX"): SignalDraft[] {
  const out: SignalDraft[] = [];
  for (const [atMs, price] of path) {
    const obs: PolicyObservation = {
      assessmentId: `a${++n}`,
      asset,
      price,
      priceTimeMs: atMs,
      venues: ["perp-a"],
      markets: [`${asset}-PERP`],
      chains: ["sim-a"],
    };
    out.push(...r.evaluate(obs, atMs).drafts.filter((d) => !d.scope.internal));
  }
  return out;
}
const levelOf = (d: SignalDraft) => (d.action?.$case === "circuitBreaker" ? d.action.value.level : 0);

// Prior close: Friday 2026-01-09 at 16:00 ET, 5000. (Hand arithmetic: 7% = 4650, 13% = 4350, 20% = 4000.)
const close = (): [number, number][] => [
  [ny(2026, 1, 9, "15:59"), 5000],
  [ny(2026, 1, 9, "16:00"), 5000],
];
const MON = (t: string) => ny(2026, 1, 12, t);

describe("market-wide breaker (Rule 80B)", () => {
  it("default: a 7% fall from the prior close at 10:00 ET halts every market 15 minutes", () => {
    const drafts = feed(rule(), [...close(), [MON("09:45"), 4900], [MON("10:00"), 4650]]);
    expect(drafts.map(levelOf)).toEqual([1]);
    expect(drafts[0]!.durationMs).toBe(15 * MIN);
    expect(drafts[0]!.scope).toEqual({ assets: [], markets: [], venues: [], chains: [] });
    expect(drafts[0]!.signalId).toMatch(/^mwcb-l1:SPX:d\d+$/);
  });

  it("behavior: 6.99% does not halt; the reference is the prior close, not the day's high", () => {
    // A rally to 5100 then a fall to 4700: -7.84% from the high, -6% from the close: no halt.
    expect(feed(rule(), [...close(), [MON("10:00"), 5100], [MON("11:00"), 4700]])).toEqual([]);
    expect(feed(rule(), [...close(), [MON("10:00"), 4650.5]])).toEqual([]);
  });

  it("behavior: a second 7% fall the same day fires no new level-1 halt; the next day's does", () => {
    const drafts = feed(rule(), [
      ...close(),
      [MON("10:00"), 4650],
      [MON("11:00"), 4990],
      [MON("13:00"), 4600],
      [MON("16:00"), 4900], // Monday's close
      [ny(2026, 1, 13, "10:00"), 4557], // -7% from 4900
    ]);
    expect(drafts.map(levelOf)).toEqual([1, 1]);
    expect(drafts[0]!.signalId).not.toBe(drafts[1]!.signalId);
  });

  it("behavior: levels 1 and 2 do not halt at or after 15:25 ET; level 3 does", () => {
    expect(feed(rule(), [...close(), [MON("15:25"), 4600]])).toEqual([]);
    expect(feed(rule(), [...close(), [MON("15:30"), 4300]])).toEqual([]);
    expect(feed(rule(), [...close(), [MON("15:24"), 4600]]).map(levelOf)).toEqual([1]);
    expect(feed(rule(), [...close(), [MON("15:30"), 3990]]).map(levelOf)).toEqual([3]);
  });

  it("behavior: a gap to 13% fires level 2 only; level 1 does not follow", () => {
    const drafts = feed(rule(), [...close(), [MON("10:00"), 4340], [MON("10:30"), 4600]]);
    expect(drafts.map(levelOf)).toEqual([2]);
  });

  it("behavior: level 3 halts to 16:00 local, also on the first day of daylight saving", () => {
    // Sunday 2026-03-08 clocks move to EDT. Friday 03-06 close 5000; Monday 03-09 10:00 EDT a 20% fall:
    // 6 hours to the 16:00 EDT close (a fixed UTC-5 day would say 7).
    const drafts = feed(rule(), [
      [ny(2026, 3, 6, "16:00"), 5000],
      [ny(2026, 3, 9, "10:00"), 4000],
    ]);
    expect(drafts.map(levelOf)).toEqual([3]);
    expect(drafts[0]!.durationMs).toBe(6 * 60 * MIN);
    expect(new Date(ny(2026, 3, 9, "10:00") + drafts[0]!.durationMs).toISOString()).toBe(
      "2026-03-09T20:00:00.000Z",
    );
  });

  it("behavior: a named group scopes the halt to its venues and markets", () => {
    const r = rule(
      { scope: { group: "us-equity" } },
      { "us-equity": { venues: ["v1"], markets: ["ES-PERP"] } },
    );
    const drafts = feed(r, [...close(), [MON("10:00"), 4650]]);
    expect(drafts[0]!.scope).toEqual({ assets: [], markets: ["ES-PERP"], venues: ["v1"], chains: [] });
  });

  it("behavior: the prior close is recorded in the log (internal) and a rebuilt rule halts from it alone", () => {
    const first = rule();
    const [entry] = first.evaluate(
      {
        assessmentId: "c",
        asset: "SPX",
        price: 5000,
        priceTimeMs: ny(2026, 1, 9, "16:00"),
        venues: [],
        markets: [],
        chains: [],
      },
      ny(2026, 1, 9, "16:00"),
    ).drafts;
    expect(entry).toMatchObject({
      signalId: `mwcb:SPX:close-${ny(2026, 1, 9, "16:00")}`,
      scope: { assets: ["SPX"], internal: true },
      action: { $case: "advisory", value: { code: "reference_close" } },
    });
    // A new leader on Monday: Friday's assessments have aged out, the log still holds the close.
    const rebuilt = rule();
    rebuilt.restore(issueSignal(entry!, { sequence: 1, issuedAtMs: 0, leadMs: 0, leaderTerm: 1 }));
    expect(feed(rebuilt, [[MON("10:00"), 4650]]).map(levelOf)).toEqual([1]);
    expect(feed(rule(), [[MON("10:00"), 4650]])).toEqual([]);
  });

  it("behavior: other assets and unpriced observations are ignored", () => {
    expect(feed(rule(), [...close(), [MON("10:00"), 4000]], "ETH")).toEqual([]);
  });

  it("behavior: a level restored from the log does not fire again that day (and neither do those below)", () => {
    const first = rule();
    const [draft] = feed(first, [...close(), [MON("10:00"), 4340]]);
    const rebuilt = rule();
    rebuilt.restore({ ruleId: draft!.ruleId, signalId: draft!.signalId } as Signal);
    expect(feed(rebuilt, [...close(), [MON("10:00"), 4600], [MON("11:00"), 4340]])).toEqual([]);
  });

  it("property: on any path each level fires at most once per trading day, only in the session, never 1 or 2 from 15:25", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 4 * 24 * 60 }),
            fc.double({ min: 3000, max: 5500, noNaN: true }),
          ),
          {
            minLength: 1,
            maxLength: 120,
          },
        ),
        (steps) => {
          const start = ny(2026, 1, 9, "15:00"); // Friday, before its close
          const path = steps
            .map(([minute, price]) => [start + minute * MIN, price] as [number, number])
            .sort((a, b) => a[0] - b[0]);
          const drafts = feed(rule(), path);
          const seen = new Set<string>();
          for (const d of drafts) {
            expect(seen.has(d.signalId)).toBe(false);
            seen.add(d.signalId);
            const at = path.find(([t]) =>
              d.evidence.some((e) => e.name === "price" && e.detail === `at ${t}`),
            )![0];
            const local = new Date(at - 5 * 3_600_000); // January: EST
            const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
            expect(minutes).toBeGreaterThanOrEqual(9 * 60 + 30);
            expect(minutes).toBeLessThan(16 * 60);
            expect([1, 2, 3]).toContain(levelOf(d));
            if (levelOf(d) < 3) expect(minutes).toBeLessThan(15 * 60 + 25);
            expect([1, 2, 3, 4, 5]).toContain(local.getUTCDay());
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
