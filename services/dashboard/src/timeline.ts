// Pure shaping of the coordinator's signal log into the dashboard's timeline.

/** One signal on the timeline, with each venue's ack. */
export interface TimelineSignal {
  readonly sequence: number;
  readonly kind: string;
  readonly signalId: string;
  readonly ruleId: string;
  readonly assets: readonly string[];
  readonly venues: readonly string[];
  readonly issuedAtMs: number;
  readonly effectiveAtMs: number;
  readonly reason: string;
  /** Venue → received, applied or rejected; a venue in scope that has not acked is absent. */
  readonly acks: Readonly<Record<string, string>>;
}

const num = (v: unknown): number => (typeof v === "number" ? v : typeof v === "string" ? Number(v) : 0);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === "string") : []);

/** `SIGNAL_KIND_CIRCUIT_BREAKER` → `circuit_breaker`; `ACK_STATE_APPLIED` → `applied`. */
export function shortEnum(name: string, prefix: string): string {
  return (name.startsWith(prefix) ? name.slice(prefix.length) : name).toLowerCase();
}

/**
 * A signal as `GET /v1/signals` has it (proto JSON) on the timeline, or
 * undefined for an entry no venue receives (a leader's term-start entry) or
 * one without a sequence.
 */
export function timelineSignalOf(
  json: unknown,
  acks: Readonly<Record<string, string>> = {},
): TimelineSignal | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  const s = json as Record<string, unknown>;
  const scope = (typeof s["scope"] === "object" && s["scope"] !== null ? s["scope"] : {}) as Record<
    string,
    unknown
  >;
  const sequence = num(s["sequence"]);
  if (scope["internal"] === true || !(sequence > 0)) return undefined;
  return {
    sequence,
    kind: shortEnum(str(s["kind"]), "SIGNAL_KIND_"),
    signalId: str(s["signalId"]),
    ruleId: str(s["ruleId"]),
    assets: strings(scope["assets"]),
    venues: strings(scope["venues"]),
    issuedAtMs: num(s["issuedAtMs"]),
    effectiveAtMs: num(s["effectiveAtMs"]),
    reason: str(s["reason"]),
    acks,
  };
}

/** The acks map of `GET /v1/acks/late?sequence=N` (`ACK_STATE_*` names) in short names. */
export function acksOf(json: unknown): Record<string, string> {
  const acks = (json as { acks?: unknown } | null)?.acks;
  if (typeof acks !== "object" || acks === null) return {};
  return Object.fromEntries(
    Object.entries(acks as Record<string, unknown>).map(([venue, state]) => [
      venue,
      shortEnum(str(state), "ACK_STATE_"),
    ]),
  );
}

/** Merges fetched signals into the timeline: newest `keep`, ascending by sequence. */
export function mergeTimeline(
  current: readonly TimelineSignal[],
  fetched: readonly TimelineSignal[],
  keep: number,
): TimelineSignal[] {
  const bySequence = new Map(current.map((s) => [s.sequence, s]));
  for (const s of fetched) bySequence.set(s.sequence, s);
  return [...bySequence.values()].sort((a, b) => a.sequence - b.sequence).slice(-keep);
}
