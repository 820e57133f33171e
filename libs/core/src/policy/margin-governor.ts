import { type Signal, SignalKind } from "@breakwater/proto";
import type { SignalDraft } from "../signal.js";
import { evidence } from "./rule-support.js";
import type { MarginBoundsParams, MarginDemand, PolicyObservation } from "./types.js";

interface AssetMargin {
  multiplier: number;
  lastChangeMs: number;
  lastTightenMs: number;
  /** Latest demand of each rule for this asset. */
  readonly demands: Map<string, MarginDemand>;
}

/**
 * Turns margin demands into published margin multipliers under
 * anti-procyclical bounds: never below the floor; a buffer over the floor
 * (kept in calm times) absorbs the first part of a rise; at most one change per
 * interval, each at most `maxStepUp` up or `maxStepDown` down (asymmetric:
 * loosening is slower); no loosening until `loosenCooldownMs` after the last
 * tightening; changes under `minChange` are not published (hysteresis).
 * Every change records the previous value and the demands behind it.
 */
export class MarginGovernor {
  private readonly assets = new Map<string, AssetMargin>();

  constructor(
    readonly id: string,
    private readonly p: MarginBoundsParams,
  ) {}

  /** The multiplier in force for an asset (the buffered floor until a change is published). */
  multiplier(asset: string): number {
    return this.assets.get(asset)?.multiplier ?? this.calm();
  }

  private calm(): number {
    return Math.min(this.p.cap, this.p.floor * (1 + this.p.buffer));
  }

  private state(asset: string): AssetMargin {
    let s = this.assets.get(asset);
    if (!s) {
      s = {
        multiplier: this.calm(),
        lastChangeMs: Number.NEGATIVE_INFINITY,
        lastTightenMs: Number.NEGATIVE_INFINITY,
        demands: new Map(),
      };
      this.assets.set(asset, s);
    }
    return s;
  }

  /** Records demands; returns the margin adjustments to publish now (one per asset at most). */
  apply(demands: readonly MarginDemand[], obs: PolicyObservation, nowMs: number): SignalDraft[] {
    const touched = new Set<string>();
    for (const d of demands) {
      this.state(d.asset).demands.set(d.ruleId, d);
      touched.add(d.asset);
    }
    const out: SignalDraft[] = [];
    for (const asset of touched) {
      const draft = this.step(asset, obs, nowMs);
      if (draft) out.push(draft);
    }
    return out;
  }

  private step(asset: string, obs: PolicyObservation, nowMs: number): SignalDraft | undefined {
    const s = this.state(asset);
    const p = this.p;
    const demanded = Math.max(1, ...[...s.demands.values()].map((d) => d.multiplier));
    // The buffer is drawn down first: the target only rises above the calm level when demand does.
    const target = Math.min(p.cap, Math.max(this.calm(), p.floor, demanded));
    const current = s.multiplier;
    if (Math.abs(target - current) / current < p.minChange) return undefined;
    if (nowMs - s.lastChangeMs < p.intervalMs) return undefined;
    let next: number;
    if (target > current) {
      next = Math.min(target, current * (1 + p.maxStepUp));
    } else {
      if (nowMs - s.lastTightenMs < p.loosenCooldownMs) return undefined;
      next = Math.max(target, current * (1 - p.maxStepDown), p.floor);
    }
    next = Math.round(next * 1e6) / 1e6;
    if (next === current) return undefined;
    const tighten = next > current;
    s.multiplier = next;
    s.lastChangeMs = nowMs;
    if (tighten) s.lastTightenMs = nowMs;
    const maintenance = Math.round((1 + (next - 1) * p.maintenanceShare) * 1e6) / 1e6;
    const drivers = [...s.demands.values()].filter((d) => d.multiplier > 1);
    return {
      signalId: `${this.id}:${asset}:${obs.assessmentId}`,
      kind: SignalKind.SIGNAL_KIND_MARGIN_ADJUSTMENT,
      ruleId: this.id,
      scope: {
        assets: [asset],
        markets: asset === obs.asset ? [...obs.markets] : [],
        venues: asset === obs.asset ? [...obs.venues] : [],
        chains: asset === obs.asset ? [...obs.chains] : [],
      },
      reason: `${tighten ? "tighten" : "loosen"} ${asset} margin ${current} → ${next} (target ${target.toFixed(4)}; ${
        drivers.map((d) => `${d.ruleId} ${d.multiplier.toFixed(3)}`).join(", ") || "no stress"
      })`,
      evidence: [
        evidence("previous_multiplier", current),
        evidence("target_multiplier", target, p.floor, `floor ${p.floor}, buffer ${p.buffer}, cap ${p.cap}`),
        ...drivers.flatMap((d) => d.evidence.map((e) => ({ ...e, detail: `${d.ruleId}: ${e.detail}` }))),
      ],
      action: {
        $case: "marginAdjustment",
        value: { initialMultiplier: next, maintenanceMultiplier: maintenance },
      },
      durationMs: 0,
    };
  }

  /** Rebuilds the multiplier and the change times from a logged margin adjustment. */
  restore(signal: Signal): void {
    if (signal.ruleId !== this.id || signal.action?.$case !== "marginAdjustment") return;
    for (const asset of signal.scope?.assets ?? []) {
      const s = this.state(asset);
      if (signal.issuedAtMs < s.lastChangeMs) continue;
      const previous = s.multiplier;
      s.multiplier = signal.action.value.initialMultiplier;
      s.lastChangeMs = signal.issuedAtMs;
      if (s.multiplier > previous) s.lastTightenMs = signal.issuedAtMs;
    }
  }
}
