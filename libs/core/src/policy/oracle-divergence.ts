import { type Signal, SignalKind } from "@breakwater/proto";
import type { SignalDraft } from "../signal.js";
import { evidence, haltDraft, NOTHING, pct, SpecRule, scopeOf } from "./rule-support.js";
import type { OracleDivergenceParams, PolicyObservation, RuleOutcome } from "./types.js";

interface Halted {
  /** Signal id of the halt; its log sequence once known. */
  readonly haltId: string;
  sequence: number;
  /** Chain time since which the sources agree again (undefined while they do not). */
  calmSinceMs: number | undefined;
}

/**
 * Halts an asset whose price sources split (unpriceable, or divergence at or
 * above `haltDivergence`) until it can be priced safely again. The halt has no
 * expiry; it ends with an explicit RESUME once the divergence has stayed below
 * `resumeDivergence` (stricter) for `resumeHoldMs` (chain time).
 */
export class OracleDivergenceRule extends SpecRule<"oracle-divergence", OracleDivergenceParams> {
  private readonly halted = new Map<string, Halted>();

  evaluate(obs: PolicyObservation, _nowMs: number): RuleOutcome {
    const p = this.paramsOf(obs);
    if (!p) return NOTHING;
    const divergence = obs.divergence ?? 0;
    const split = obs.unpriceable === true || obs.price === undefined || divergence >= p.haltDivergence;
    const halt = this.halted.get(obs.asset);
    if (!halt) {
      if (!split) return NOTHING;
      const haltId = `${this.spec.id}:${obs.asset}:${obs.assessmentId}`;
      this.halted.set(obs.asset, { haltId, sequence: 0, calmSinceMs: undefined });
      return {
        drafts: [
          haltDraft({
            signalId: haltId,
            ruleId: this.spec.id,
            obs,
            level: 0,
            durationMs: 0,
            mode: p.mode,
            reason:
              obs.unpriceable || obs.price === undefined
                ? `${obs.asset} cannot be priced: its sources split with no majority`
                : `${obs.asset} sources diverge by ${pct(divergence)} (limit ${pct(p.haltDivergence)})`,
            evidence: [
              evidence("divergence", divergence, p.haltDivergence),
              evidence("unpriceable", obs.unpriceable || obs.price === undefined ? 1 : 0, 1),
            ],
          }),
        ],
        demands: [],
      };
    }
    if (split || divergence >= p.resumeDivergence) {
      halt.calmSinceMs = undefined;
      return NOTHING;
    }
    halt.calmSinceMs ??= obs.priceTimeMs;
    const calmMs = obs.priceTimeMs - halt.calmSinceMs;
    if (calmMs < p.resumeHoldMs) return NOTHING;
    this.halted.delete(obs.asset);
    const resume: SignalDraft = {
      signalId: `${this.spec.id}:${obs.asset}:resume:${halt.haltId}`,
      kind: SignalKind.SIGNAL_KIND_RESUME,
      ruleId: this.spec.id,
      scope: scopeOf(obs),
      reason: `${obs.asset} sources agree again (divergence ${pct(divergence)} below ${pct(p.resumeDivergence)} for ${calmMs / 1000}s)`,
      evidence: [
        evidence("divergence", divergence, p.resumeDivergence),
        evidence("calm_ms", calmMs, p.resumeHoldMs),
      ],
      action: { $case: "resume", value: { resumesSequence: halt.sequence } },
      durationMs: 0,
    };
    return { drafts: [resume], demands: [] };
  }

  restore(signal: Signal): void {
    if (signal.ruleId !== this.spec.id) return;
    for (const asset of signal.scope?.assets ?? []) {
      if (signal.action?.$case === "circuitBreaker") {
        const known = this.halted.get(asset);
        if (known?.haltId === signal.signalId) known.sequence = signal.sequence;
        else if (!known)
          this.halted.set(asset, {
            haltId: signal.signalId,
            sequence: signal.sequence,
            calmSinceMs: undefined,
          });
      } else if (signal.action?.$case === "resume") {
        const known = this.halted.get(asset);
        if (known && signal.signalId.endsWith(`:resume:${known.haltId}`)) this.halted.delete(asset);
      }
    }
  }
}
