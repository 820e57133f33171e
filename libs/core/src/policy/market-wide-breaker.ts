import { type Scope, type Signal, SignalKind } from "@breakwater/proto";
import { TradingCalendar } from "../calendar/calendar.js";
import { localDateTimeOf, parseLocalTime } from "../calendar/zoned-time.js";
import { roundToTick } from "./bands.js";
import { RecordedCloses } from "./recorded-close.js";
import { type ReferenceTracker, referenceTracker } from "./references.js";
import { evidence, haltDraft, NOTHING, pct, SpecRule } from "./rule-support.js";
import type {
  MarketWideBreakerParams,
  MarketWideLevel,
  PolicyObservation,
  RuleOutcome,
  RuleSpecBase,
  ScopeGroup,
} from "./types.js";

/**
 * A market-wide circuit breaker on an index (NYSE Rule 80B), or with no
 * `index` daily levels on every asset (a 24/7 market's day): the fall
 * from the last price at or before the prior trading date's close (`closeAt`
 * in the calendar's zone) trips levels; each level halts at most once per
 * trading day and only while a session of the calendar is open (a 24/7 market:
 * the all-day session), a level with `notAtOrAfter` does not halt from that
 * local time on, and `haltMs: 0` halts to the end of the session. The halt's scope is
 * every market of every venue (`market-wide`) or a named group's.
 *
 * Clocks: the reference is read on the prices' own time; the trading day, the
 * cut-off and the end of the session on the coordinator's clock (`nowMs`), as
 * every halt's effective time is. Signal ids are `<rule>-l<level>:<asset>:d<day>`
 * (day: the trading date's epoch-day index), so a level fires once a day
 * however often the decision is replayed.
 */
export class MarketWideBreakerRule extends SpecRule<"market-wide-breaker", MarketWideBreakerParams> {
  private readonly calendar: TradingCalendar;
  private readonly levels: readonly MarketWideLevel[];
  /** Per asset measured: its prior-close reference. */
  private readonly references = new Map<string, ReferenceTracker>();
  /** `asset/level` → the latest trading-day index on which it fired. */
  private readonly fired = new Map<string, number>();
  private readonly closes: RecordedCloses;

  constructor(
    spec: RuleSpecBase<"market-wide-breaker", MarketWideBreakerParams>,
    private readonly groups: Readonly<Record<string, ScopeGroup>> = {},
  ) {
    super(spec);
    this.calendar = new TradingCalendar(spec.params.calendar);
    this.closes = new RecordedCloses(spec.id);
    this.levels = [...spec.params.levels].sort((a, b) => b.threshold - a.threshold);
  }

  evaluate(obs: PolicyObservation, nowMs: number): RuleOutcome {
    const outcome = this.decide(obs, nowMs);
    // A close newly in force goes to the log first (internal), so a new leader restores it.
    const close = this.closes.draftFor(obs.asset, this.references.get(obs.asset)?.current());
    return close ? { drafts: [close, ...outcome.drafts], demands: outcome.demands } : outcome;
  }

  private decide(obs: PolicyObservation, nowMs: number): RuleOutcome {
    const p = this.spec.params;
    if ((p.index !== undefined && obs.asset !== p.index) || obs.price === undefined || obs.unpriceable)
      return NOTHING;
    const asset = obs.asset;
    const reference = this.referenceOf(asset).observe({ atMs: obs.priceTimeMs, price: obs.price });
    if (!reference || reference.price <= 0) return NOTHING;
    // Halts happen in a session: a price while the market is closed (a holiday, after the close) moves no level.
    const session = this.calendar.sessionAt(nowMs);
    if (!session) return NOTHING;
    const fall = Math.max(0, (reference.price - obs.price) / reference.price);
    const day = this.calendar.dayAt(nowMs);
    const secondOfDay = localDateTimeOf(nowMs, this.calendar.timeZone).secondOfDay;
    const crossed = this.levels.find(
      (l) => fall >= l.threshold && !this.firedOn(asset, l.level, day.index) && this.halts(l, secondOfDay),
    );
    if (!crossed) return NOTHING;
    // Lower levels crossed at once count as fired too: a gap to level 2 does not fire level 1 afterwards.
    for (const l of this.levels)
      if (l.threshold <= crossed.threshold) this.markFired(asset, l.level, day.index);
    const durationMs = crossed.haltMs > 0 ? crossed.haltMs : Math.max(1, session.endMs - nowMs);
    const ruleId = `${this.spec.id}-l${crossed.level}`;
    const validUntilMs = Math.max(day.endMs, nowMs + durationMs);
    if (crossed.action === "price-limit") {
      const lower = roundToTick(reference.price * (1 - crossed.threshold), p.tickSize ?? 0);
      return {
        drafts: [
          {
            signalId: `${ruleId}:${asset}:d${day.index}`,
            kind: SignalKind.SIGNAL_KIND_PRICE_LIMIT,
            ruleId,
            scope: this.scope(obs),
            reason: `${asset} fell ${pct(fall)} from the prior close ${reference.price} to ${obs.price}: trading continues at or above ${lower} (level ${crossed.level})`,
            evidence: [
              evidence("fall_from_prior_close", fall, crossed.threshold, reference.source),
              evidence("reference_price", reference.price, 0, `close at ${reference.atMs}`),
              evidence("limit_lower", lower),
              evidence("price", obs.price, 0, `at ${obs.priceTimeMs}`),
            ],
            action: { $case: "priceLimit", value: { lower, upper: 0, durationMs } },
            durationMs,
            validUntilMs,
          },
        ],
        demands: [],
      };
    }
    const draft = haltDraft({
      signalId: `${ruleId}:${asset}:d${day.index}`,
      ruleId,
      obs,
      level: crossed.level,
      durationMs,
      mode: crossed.mode,
      reason:
        `${asset} fell ${pct(fall)} from the prior close ${reference.price} to ${obs.price} ` +
        `(level ${crossed.level}, ${crossed.haltMs > 0 ? `${crossed.haltMs / 60_000} min` : "rest of the session"})`,
      evidence: [
        evidence("fall_from_prior_close", fall, crossed.threshold, reference.source),
        evidence("reference_price", reference.price, 0, `close at ${reference.atMs}`),
        evidence("price", obs.price, 0, `at ${obs.priceTimeMs}`),
        evidence("trading_day", day.index, 0, `${this.calendar.timeZone} day from ${day.startMs}`),
      ],
    });
    // Owed while its trading day or its halt lasts, whichever is later.
    return {
      drafts: [{ ...draft, scope: this.scope(obs), validUntilMs }],
      demands: [],
    };
  }

  restore(signal: Signal): void {
    if (this.closes.restore(signal, (asset) => this.referenceOf(asset))) return;
    const match = /^(.*)-l(\d+)$/.exec(signal.ruleId);
    const at = /^.*-l\d+:(.+):d(-?\d+)$/.exec(signal.signalId);
    if (!match || match[1] !== this.spec.id || !at) return;
    const [asset, day] = [at[1]!, Number(at[2])];
    const level = Number(match[2]);
    const threshold = this.levels.find((l) => l.level === level)?.threshold ?? Number.POSITIVE_INFINITY;
    for (const l of this.levels)
      if (l.level === level || l.threshold <= threshold) this.markFired(asset, l.level, day);
  }

  private referenceOf(asset: string): ReferenceTracker {
    let tracker = this.references.get(asset);
    if (!tracker) {
      tracker = referenceTracker({ kind: "prior-close", at: this.spec.params.closeAt }, this.calendar);
      this.references.set(asset, tracker);
    }
    return tracker;
  }

  private scope(obs: PolicyObservation): Scope {
    const s = this.spec.params.scope;
    if (s === "asset")
      return { assets: [obs.asset], markets: [...obs.markets], venues: [...obs.venues], chains: [] };
    // No asset and no market named: the whole book of every venue named (none named: every venue).
    const group = s === "market-wide" ? undefined : this.groups[s.group];
    return {
      assets: [],
      markets: [...(group?.markets ?? [])],
      venues: [...(group?.venues ?? [])],
      chains: [],
    };
  }

  private halts(l: MarketWideLevel, secondOfDay: number): boolean {
    if (l.notAtOrAfter === undefined) return true;
    const cutoff = parseLocalTime(l.notAtOrAfter);
    return cutoff === undefined || secondOfDay < cutoff;
  }

  /** True when the level fired on `day` or later (days only move forward; a replay never re-fires). */
  private firedOn(asset: string, level: number, day: number): boolean {
    return (this.fired.get(`${asset}/${level}`) ?? Number.NEGATIVE_INFINITY) >= day;
  }

  private markFired(asset: string, level: number, day: number): void {
    const key = `${asset}/${level}`;
    this.fired.set(key, Math.max(this.fired.get(key) ?? Number.NEGATIVE_INFINITY, day));
  }
}
