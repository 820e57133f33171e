import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { issueProblems } from "@breakwater/config";
import {
  issueSignal,
  isTimeZone,
  type LocalDate,
  PolicyEngine,
  parseLocalDate,
  parseLocalTime,
  type SignalDraft,
  signalKindName,
  utcOf,
} from "@breakwater/core";
import type { Scope, Signal } from "@breakwater/proto";
import { parse } from "yaml";
import { z } from "zod";
import { parsePolicy } from "./policy-file.js";

/**
 * A golden replay: a policy file, a price path with local timestamps in a
 * named zone, and the signals that must come out of the policy engine (and,
 * for the reader, the ones that must not). Each case says where its expected
 * figures come from (the rule's text, hand arithmetic). The engine decides at
 * each price's own time (the coordinator's clock equals the price time), and
 * with `tickMs` also on the engine's timer tick between prices (and up to a
 * case's `runUntil`), as the leader's decision writer ticks it.
 */

const localDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/, "must be a local date and time YYYY-MM-DD HH:MM[:SS]");

const scopeExpectation = z.union([
  z.literal("market-wide"),
  z.object({ asset: z.string().min(1) }).strict(),
  z.object({ venues: z.array(z.string()).default([]), markets: z.array(z.string()).default([]) }).strict(),
]);

const signalExpectation = z
  .object({
    kind: z.enum(["circuit_breaker", "resume", "margin_adjustment", "advisory", "price_limit"]),
    level: z.number().int().min(0).optional(),
    scope: scopeExpectation.optional(),
    /** Local time the signal takes effect (issued at the decision, plus the case's lead time). */
    effectiveAt: localDateTime.optional(),
    durationMs: z.number().int().min(0).optional(),
    /** Local time the halt ends (effective plus duration). */
    until: localDateTime.optional(),
    /** A price limit's bounds (0: that side unbounded). */
    lower: z.number().min(0).optional(),
    upper: z.number().min(0).optional(),
    /** A margin adjustment's initial multiplier (to 0.1%). */
    multiplier: z.number().positive().optional(),
    /** Evidence figures by name (to 0.1%, or 1e-9 near zero). */
    evidence: z.record(z.string(), z.number()).optional(),
  })
  .strict();

const forbidden = z
  .object({
    kind: z.enum(["circuit_breaker", "resume", "margin_adjustment", "advisory", "price_limit"]),
    level: z.number().int().min(0).optional(),
    /** Local time range it must not take effect in (default: the whole case). */
    from: localDateTime.optional(),
    to: localDateTime.optional(),
  })
  .strict();

const caseSchema = z
  .object({
    name: z.string().min(1),
    /** Where the expected values come from. */
    source: z.string().min(1),
    path: z
      .array(
        z
          .object({ at: localDateTime, price: z.number().positive(), asset: z.string().min(1).optional() })
          .strict(),
      )
      .min(1),
    /** Keep the clock (and the ticks) running to this local time after the last price. */
    runUntil: localDateTime.optional(),
    expect: z.array(signalExpectation).default([]),
    forbid: z.array(forbidden).default([]),
  })
  .strict();

export const goldenFileSchema = z
  .object({
    /** The policy file, relative to this file. */
    policy: z.string().min(1),
    timeZone: z.string().refine(isTimeZone, "must be an IANA time zone"),
    asset: z.string().min(1),
    venues: z.array(z.string().min(1)).default(["venue-a"]),
    leadMs: z.number().int().min(0).default(0),
    /** Also decide every `tickMs` between prices (0: only on prices). */
    tickMs: z.number().int().min(0).default(0),
    cases: z.array(caseSchema).min(1),
  })
  .strict();

export type GoldenFile = z.infer<typeof goldenFileSchema>;
export type GoldenCase = GoldenFile["cases"][number];

/** One case's outcome: the signals that came out, and every way they differ from the file. */
export interface GoldenResult {
  readonly name: string;
  readonly signals: readonly Signal[];
  readonly problems: readonly string[];
}

export class GoldenFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`golden file ${file}: ${problems.join("; ")}`);
    this.name = "GoldenFileError";
  }
}

/** The instant a local `YYYY-MM-DD HH:MM[:SS]` names in `timeZone`. */
export function localInstant(text: string, timeZone: string): number {
  const [datePart, timePart] = text.split(" ") as [string, string];
  const date: LocalDate | undefined = parseLocalDate(datePart);
  const seconds = parseLocalTime(timePart);
  if (!date || seconds === undefined) throw new RangeError(`invalid local time "${text}"`);
  return utcOf(date, seconds, timeZone);
}

/** Reads and validates a golden file and the policy it names. */
export function loadGoldenFile(path: string): { golden: GoldenFile; engine: () => PolicyEngine } {
  const parsed = goldenFileSchema.safeParse(parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new GoldenFileError(path, issueProblems(parsed.error));
  const policyPath = resolve(dirname(path), parsed.data.policy);
  const policy = parsePolicy(readFileSync(policyPath, "utf8"), {
    readInclude: (relative) => readFileSync(resolve(dirname(policyPath), relative), "utf8"),
  });
  if (!policy.ok) throw new GoldenFileError(path, policy.errors);
  return { golden: parsed.data, engine: () => new PolicyEngine(policy.document) };
}

/** Replays one case on a fresh engine and compares what came out with what the file says. */
export function replayCase(golden: GoldenFile, c: GoldenCase, engine: PolicyEngine): GoldenResult {
  const zone = golden.timeZone;
  const at = (t: string) => localInstant(t, zone);
  const signals: Signal[] = [];
  let n = 0;
  const append = (drafts: readonly SignalDraft[], nowMs: number) => {
    for (const d of drafts) {
      const s = issueSignal(d, {
        sequence: signals.length + 1,
        issuedAtMs: nowMs,
        leadMs: golden.leadMs,
        leaderTerm: 1,
      });
      engine.restore(s);
      signals.push(s);
    }
  };
  const tickUntil = (fromMs: number, toMs: number) => {
    if (golden.tickMs > 0)
      for (let t = fromMs + golden.tickMs; t < toMs; t += golden.tickMs) append(engine.tick(t), t);
  };
  const decide = (asset: string, price: number, priceTimeMs: number, nowMs: number) => {
    const drafts = engine.evaluate(
      {
        assessmentId: `${c.name}#${++n}`,
        asset,
        price,
        priceTimeMs,
        venues: golden.venues,
        markets: [`${asset}-PERP`],
        chains: [],
      },
      nowMs,
    );
    append(drafts, nowMs);
  };
  let lastMs: number | undefined;
  for (const p of c.path) {
    const atMs = at(p.at);
    if (lastMs !== undefined) tickUntil(lastMs, atMs);
    decide(p.asset ?? golden.asset, p.price, atMs, atMs);
    lastMs = atMs;
  }
  if (c.runUntil !== undefined && lastMs !== undefined) tickUntil(lastMs, at(c.runUntil) + 1);
  // Internal entries (a recorded close) reach no venue: the file speaks of what venues receive.
  const delivered = signals.filter((s) => !s.scope?.internal);
  return { name: c.name, signals: delivered, problems: compare(c, delivered, at) };
}

function compare(c: GoldenCase, signals: readonly Signal[], at: (t: string) => number): string[] {
  const problems: string[] = [];
  const describe = (s: Signal) =>
    `${signalKindName(s.kind)} level ${levelOf(s)} at ${new Date(s.effectiveAtMs).toISOString()} for ${s.expiresAtMs - s.effectiveAtMs} ms`;
  if (signals.length !== c.expect.length)
    problems.push(
      `expected ${c.expect.length} signal(s), got ${signals.length}: ${signals.map(describe).join(", ") || "none"}`,
    );
  c.expect.forEach((e, i) => {
    const s = signals[i];
    if (!s) return;
    const where = `signal ${i + 1} (${describe(s)})`;
    if (signalKindName(s.kind) !== e.kind) problems.push(`${where}: kind is not ${e.kind}`);
    if (e.level !== undefined && levelOf(s) !== e.level) problems.push(`${where}: level is not ${e.level}`);
    if (e.effectiveAt !== undefined && s.effectiveAtMs !== at(e.effectiveAt))
      problems.push(`${where}: effective time is not ${e.effectiveAt}`);
    if (e.durationMs !== undefined && s.expiresAtMs - s.effectiveAtMs !== e.durationMs)
      problems.push(`${where}: duration is not ${e.durationMs} ms`);
    if (e.until !== undefined && s.expiresAtMs !== at(e.until))
      problems.push(`${where}: does not end at ${e.until}`);
    const limit = s.action?.$case === "priceLimit" ? s.action.value : undefined;
    if (e.lower !== undefined && limit?.lower !== e.lower)
      problems.push(`${where}: lower limit is not ${e.lower}`);
    if (e.upper !== undefined && limit?.upper !== e.upper)
      problems.push(`${where}: upper limit is not ${e.upper}`);
    const margin = s.action?.$case === "marginAdjustment" ? s.action.value : undefined;
    if (e.multiplier !== undefined && !(margin && near(margin.initialMultiplier, e.multiplier)))
      problems.push(`${where}: initial multiplier ${margin?.initialMultiplier} is not ${e.multiplier}`);
    for (const [name, value] of Object.entries(e.evidence ?? {})) {
      const found = s.evidence.find((x) => x.name === name);
      if (!found || !near(found.value, value))
        problems.push(`${where}: evidence ${name} is ${found?.value ?? "missing"}, not ${value}`);
    }
    if (e.scope !== undefined && !scopeMatches(s.scope, e.scope))
      problems.push(`${where}: scope ${JSON.stringify(s.scope)} is not ${JSON.stringify(e.scope)}`);
  });
  for (const f of c.forbid) {
    const from = f.from ? at(f.from) : Number.NEGATIVE_INFINITY;
    const to = f.to ? at(f.to) : Number.POSITIVE_INFINITY;
    for (const s of signals)
      if (
        signalKindName(s.kind) === f.kind &&
        (f.level === undefined || levelOf(s) === f.level) &&
        s.effectiveAtMs >= from &&
        s.effectiveAtMs <= to
      )
        problems.push(`forbidden: ${describe(s)}`);
  }
  return problems;
}

function near(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= Math.max(1e-9, Math.abs(expected) * 1e-3);
}

function levelOf(s: Signal): number | undefined {
  if (s.action?.$case === "circuitBreaker") return s.action.value.level;
  // A price limit drafted by a breaker level: `<rule>-l<level>`.
  const level = /-l(\d+)$/.exec(s.ruleId);
  return level ? Number(level[1]) : undefined;
}

function scopeMatches(scope: Scope | undefined, e: z.infer<typeof scopeExpectation>): boolean {
  const assets = scope?.assets ?? [];
  const markets = scope?.markets ?? [];
  const venues = scope?.venues ?? [];
  if (e === "market-wide") return assets.length === 0 && markets.length === 0 && venues.length === 0;
  if ("asset" in e) return assets.length === 1 && assets[0] === e.asset;
  const same = (a: readonly string[], b: readonly string[]) =>
    [...a].sort().join(",") === [...b].sort().join(",");
  return assets.length === 0 && same(markets, e.markets) && same(venues, e.venues);
}
