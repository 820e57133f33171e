import {
  PolicyEngine,
  type PolicyRule,
  policyWindowMs,
  type ShadowRecord,
  signalKindName,
} from "@breakwater/core";
import type { Logger } from "@breakwater/telemetry";
import { coordinatorMetrics } from "./metrics.js";
import type { PolicySource } from "./policy-source.js";

/**
 * The policy engine the current leader term decides with. Each term (and each
 * policy change) starts a fresh engine, rebuilt from the log by the leader
 * role; the HTTP policy route reads the one in force from here, so no caller
 * holds a stale engine.
 */
export class ActivePolicy {
  private engine: PolicyEngine | undefined;

  constructor(
    readonly source: PolicySource,
    private readonly log: Logger,
  ) {}

  /** Fresh rules of the policy in force, and the window their rebuild needs. */
  startEngine(): { rules: PolicyRule[]; windowMs: number } {
    const { document } = this.source.current;
    const engine = new PolicyEngine(document, { onShadow: (record) => this.onShadow(record) });
    this.engine = engine;
    return { rules: [engine], windowMs: policyWindowMs(document) };
  }

  /** This replica no longer leads: it decides nothing and reports no shadow decisions. */
  retire(): void {
    this.engine = undefined;
  }

  /** What shadow rules would have issued this term (empty while not leading). */
  shadowRecords(): readonly ShadowRecord[] {
    return this.engine?.shadowRecords() ?? [];
  }

  private onShadow(record: ShadowRecord): void {
    const kind = signalKindName(record.draft.kind);
    coordinatorMetrics.shadowDecisions.inc({ rule: record.ruleId, kind });
    this.log.info(
      {
        rule: record.ruleId,
        assessmentId: record.assessmentId,
        signalId: record.draft.signalId,
        kind,
        scope: record.draft.scope,
        reason: record.draft.reason,
        evidence: record.draft.evidence,
      },
      "shadow rule would have issued a signal (not sent)",
    );
  }
}
