import { type Signal, SignalKind } from "@breakwater/proto";
import type { SignalDraft } from "../signal.js";
import type { ReferenceTracker, ReferenceValue } from "./references.js";
import { evidence } from "./rule-support.js";

const CODE = "reference_close";

/**
 * A prior close outlives the assessments it was read from (their stream keeps
 * a day; Monday's reference is Friday's close), so a rule records each close
 * it sets in the signal log as an internal entry (no venue receives it) and a
 * new leader restores it from there. Id `<rule>:<asset>:close-<close time>`:
 * one entry per close, however often it is decided.
 */
export class RecordedCloses {
  /** asset → the latest close recorded or restored. */
  private readonly latest = new Map<string, number>();

  constructor(private readonly ruleId: string) {}

  /** The entry to append when `reference` is a close not recorded yet. */
  draftFor(asset: string, reference: ReferenceValue | undefined): SignalDraft | undefined {
    if (!reference || reference.atMs <= (this.latest.get(asset) ?? Number.NEGATIVE_INFINITY))
      return undefined;
    this.latest.set(asset, reference.atMs);
    return {
      signalId: `${this.ruleId}:${asset}:close-${reference.atMs}`,
      kind: SignalKind.SIGNAL_KIND_ADVISORY,
      ruleId: this.ruleId,
      scope: { assets: [asset], markets: [], venues: [], chains: [], internal: true },
      reason: `${asset} reference: ${reference.source}`,
      evidence: [
        evidence("reference_price", reference.price, 0, reference.source),
        evidence("close_time", reference.atMs),
      ],
      action: { $case: "advisory", value: { code: CODE, message: `${reference.price}` } },
      durationMs: 0,
    };
  }

  /** Restores a recorded close into `trackerOf(asset)`; true when `signal` was one. */
  restore(signal: Signal, trackerOf: (asset: string) => ReferenceTracker): boolean {
    if (
      signal.ruleId !== this.ruleId ||
      signal.action?.$case !== "advisory" ||
      signal.action.value.code !== CODE
    )
      return false;
    const price = signal.evidence.find((e) => e.name === "reference_price")?.value;
    const atMs = signal.evidence.find((e) => e.name === "close_time")?.value;
    const asset = signal.scope?.assets[0];
    if (price === undefined || atMs === undefined || asset === undefined) return true;
    trackerOf(asset).restore?.({ atMs, price });
    this.latest.set(asset, Math.max(this.latest.get(asset) ?? Number.NEGATIVE_INFINITY, atMs));
    return true;
  }
}
