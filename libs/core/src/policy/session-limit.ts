import { type Scope, type Signal, SignalKind } from "@breakwater/proto";
import { TradingCalendar } from "../calendar/calendar.js";
import type { SignalDraft } from "../signal.js";
import { bandOf } from "./bands.js";
import { RecordedCloses } from "./recorded-close.js";
import { type ReferenceTracker, referenceTracker } from "./references.js";
import { evidence, NOTHING, SpecRule, scopeOf } from "./rule-support.js";
import type { PolicyObservation, RuleOutcome, RuleSpecBase, SessionLimitParams } from "./types.js";

/**
 * A price limit for a whole session (CME equity-index futures overnight: ±7%
 * of the prior settlement, trading continues within it): in each occurrence
 * of the named sessions, the first price seen once a reference exists issues
 * a `price limit` signal with the band around the prior close, lasting to the
 * session's end. Once per asset per session occurrence (signal id
 * `<rule>:<asset>:s<session start>`).
 *
 * Clocks: the reference on the prices' time; the session on the
 * coordinator's clock.
 */
export class SessionLimitRule extends SpecRule<"session-limit", SessionLimitParams> {
  private readonly calendar: TradingCalendar;
  private readonly references = new Map<string, ReferenceTracker>();
  /** `asset` → the start of the latest session occurrence limited. */
  private readonly issued = new Map<string, number>();
  private readonly closes: RecordedCloses;

  constructor(spec: RuleSpecBase<"session-limit", SessionLimitParams>) {
    super(spec);
    this.calendar = new TradingCalendar(spec.params.calendar);
    this.closes = new RecordedCloses(spec.id);
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
    const session = this.calendar.sessionAt(nowMs);
    if (!reference || !session || !p.sessions.includes(session.name)) return NOTHING;
    if ((this.issued.get(asset) ?? Number.NEGATIVE_INFINITY) >= session.startMs) return NOTHING;
    this.issued.set(asset, session.startMs);
    const band = bandOf(p.bands, reference.price);
    const durationMs = Math.max(1, session.endMs - nowMs);
    const draft: SignalDraft = {
      signalId: `${this.spec.id}:${asset}:s${session.startMs}`,
      kind: SignalKind.SIGNAL_KIND_PRICE_LIMIT,
      ruleId: this.spec.id,
      scope: this.scope(obs),
      reason: `${asset} trades only within ${band.lower}–${band.upper} (around the prior close ${reference.price}) for the ${session.name} session`,
      evidence: [
        evidence("reference_price", reference.price, 0, reference.source),
        evidence("limit_lower", band.lower),
        evidence("limit_upper", band.upper),
        evidence("session_start", session.startMs, 0, session.name),
      ],
      action: { $case: "priceLimit", value: { lower: band.lower, upper: band.upper, durationMs } },
      durationMs,
    };
    return { drafts: [draft], demands: [] };
  }

  restore(signal: Signal): void {
    if (this.closes.restore(signal, (asset) => this.referenceOf(asset))) return;
    if (signal.ruleId !== this.spec.id) return;
    const at = /^.*:(.+):s(-?\d+)$/.exec(signal.signalId);
    if (!at) return;
    const [asset, start] = [at[1]!, Number(at[2])];
    this.issued.set(asset, Math.max(this.issued.get(asset) ?? Number.NEGATIVE_INFINITY, start));
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
    return { ...scopeOf(obs), chains: [] };
  }
}
