import type { Signal } from "@breakwater/proto";
import type { SignalDraft } from "../signal.js";
import { CascadeRiskRule } from "./cascade-risk.js";
import { CircuitBreakerRule } from "./circuit-breaker.js";
import { DynamicBreakerRule } from "./dynamic-breaker.js";
import { LimitBandRule } from "./limit-band.js";
import { ChainLivenessRule, DynamicMarginRule } from "./margin-demands.js";
import { MarginGovernor } from "./margin-governor.js";
import { MarginModelRule } from "./margin-model-rule.js";
import { MarketWideBreakerRule } from "./market-wide-breaker.js";
import { OracleDivergenceRule } from "./oracle-divergence.js";
import { PriceBandRule } from "./price-band.js";
import type { AssetObservation, PolicyRule } from "./rule.js";
import type { EngineRule } from "./rule-support.js";
import { SessionLimitRule } from "./session-limit.js";
import type { MarginDemand, PolicyDocument, PolicyObservation, RuleSpec, ShadowRecord } from "./types.js";
import { windowTimeOf } from "./window-time.js";

function ruleOf(spec: RuleSpec, doc: PolicyDocument): EngineRule {
  switch (spec.kind) {
    case "session-limit":
      return new SessionLimitRule(spec);
    case "dynamic-breaker":
      return new DynamicBreakerRule(spec);
    case "limit-band":
      return new LimitBandRule(spec);
    case "market-wide-breaker":
      return new MarketWideBreakerRule(spec, doc.groups);
    case "circuit-breaker":
      return new CircuitBreakerRule(spec);
    case "price-band":
      return new PriceBandRule(spec);
    case "oracle-divergence":
      return new OracleDivergenceRule(spec);
    case "cascade-risk":
      return new CascadeRiskRule(spec);
    case "chain-liveness":
      return new ChainLivenessRule(spec);
    case "dynamic-margin":
      return new DynamicMarginRule(spec);
    case "margin-model":
      return new MarginModelRule(spec);
  }
}

const PRIOR_CLOSE_REPLAY_MS = 86_400_000;

/**
 * The longest history any enforced rule keeps (price windows, hold times):
 * what a rebuild must replay. Shadow rules start cold after a rebuild.
 */
export function policyWindowMs(doc: PolicyDocument): number {
  let ms = 0;
  for (const r of doc.rules) {
    if (r.mode !== "enforce") continue;
    if (r.kind === "circuit-breaker") {
      ms = Math.max(ms, r.params.windowMs, ...r.overrides.map((o) => o.params.windowMs ?? 0));
    } else if (r.kind === "price-band") {
      ms = Math.max(ms, r.params.referenceWindowMs + r.params.holdMs);
    } else if (r.kind === "oracle-divergence") {
      ms = Math.max(ms, r.params.resumeHoldMs);
    } else if (r.kind === "chain-liveness") {
      ms = Math.max(ms, r.params.graceMs ?? 0);
    } else if (r.kind === "dynamic-breaker") {
      ms = Math.max(ms, r.params.reference.windowMs + r.params.pauseMs);
    } else if (r.kind === "limit-band") {
      ms = Math.max(ms, r.params.reference.windowMs + r.params.holdMs);
    } else if (r.kind === "market-wide-breaker" || r.kind === "session-limit") {
      // A close in force is recorded in the log (RecordedCloses); replaying a day covers the
      // prices before a close that no observation after it has recorded yet.
      ms = Math.max(ms, PRIOR_CLOSE_REPLAY_MS);
    }
  }
  return ms > 0 ? ms : 60_000;
}

/**
 * The declarative policy, evaluated: every rule sees every observation in
 * order; enforced rules' signals are returned for the log, shadow rules' are
 * recorded (with their evidence) and never sent. Margin demands of enforced
 * rules go through the margin governor's bounds; shadow demands are recorded
 * with the multiplier they ask for.
 */
export class PolicyEngine implements PolicyRule {
  readonly id = "policy";
  private readonly rules: EngineRule[];
  private readonly governor: MarginGovernor;
  private readonly shadowGovernor: MarginGovernor;
  private readonly shadow: ShadowRecord[] = [];

  constructor(
    readonly document: PolicyDocument,
    private readonly opts: {
      readonly maxShadowRecords?: number;
      readonly onShadow?: (r: ShadowRecord) => void;
    } = {},
  ) {
    this.rules = document.rules.map((r) => ruleOf(r, document));
    this.governor = new MarginGovernor(document.margin.id, document.margin.params);
    this.shadowGovernor = new MarginGovernor(document.margin.id, document.margin.params);
  }

  /** Decisions shadow rules would have sent, oldest first. */
  shadowRecords(): readonly ShadowRecord[] {
    return this.shadow;
  }

  /** The margin multiplier in force for an asset. */
  marginOf(asset: string): number {
    return this.governor.multiplier(asset);
  }

  /**
   * `nowMs` is the decision time on the coordinator's clock (for an assessment:
   * when the stream stored it, so a replay decides exactly as the first
   * evaluation did). The rules see a price at its window time (windowTimeOf):
   * its chain time, never later than `nowMs`.
   */
  evaluate(observation: AssetObservation | PolicyObservation, nowMs: number): SignalDraft[] {
    const given = observation as PolicyObservation;
    const priceTimeMs = windowTimeOf(given.priceTimeMs, nowMs);
    const obs = priceTimeMs < given.priceTimeMs ? { ...given, priceTimeMs } : given;
    const drafts: SignalDraft[] = [];
    const demands: MarginDemand[] = [];
    const shadowDemands: MarginDemand[] = [];
    for (const rule of this.rules) {
      const outcome = rule.evaluate(obs, nowMs);
      if (rule.mode === "enforce") {
        drafts.push(...outcome.drafts);
        demands.push(...outcome.demands);
      } else {
        for (const draft of outcome.drafts) this.record(rule.id, obs.assessmentId, nowMs, draft);
        shadowDemands.push(...outcome.demands);
      }
    }
    const margin = this.governor.apply(demands, obs, nowMs);
    if (this.document.margin.mode === "enforce") drafts.push(...margin);
    else for (const draft of margin) this.record(this.document.margin.id, obs.assessmentId, nowMs, draft);
    // What the shadow rules' demands would do on top of the enforced ones.
    if (shadowDemands.length > 0) {
      for (const draft of this.shadowGovernor.apply([...demands, ...shadowDemands], obs, nowMs)) {
        this.record(`${this.document.margin.id}(shadow)`, obs.assessmentId, nowMs, draft);
      }
    }
    return drafts;
  }

  /**
   * Timers on the coordinator's clock (limit states): what is due at `nowMs`
   * with no new observation. The leader calls it periodically; shadow rules'
   * decisions are recorded, as on observations.
   */
  tick(nowMs: number): SignalDraft[] {
    const drafts: SignalDraft[] = [];
    for (const rule of this.rules) {
      const outcome = rule.tick?.(nowMs);
      if (!outcome) continue;
      if (rule.mode === "enforce") drafts.push(...outcome.drafts);
      else for (const draft of outcome.drafts) this.record(rule.id, `tick@${nowMs}`, nowMs, draft);
    }
    return drafts;
  }

  restore(signal: Signal): void {
    for (const rule of this.rules) rule.restore(signal);
    this.governor.restore(signal);
  }

  private record(ruleId: string, assessmentId: string, nowMs: number, draft: SignalDraft): void {
    const record: ShadowRecord = { ruleId, atMs: nowMs, assessmentId, draft };
    this.shadow.push(record);
    const max = this.opts.maxShadowRecords ?? 1_000;
    if (this.shadow.length > max) this.shadow.splice(0, this.shadow.length - max);
    this.opts.onShadow?.(record);
  }
}
