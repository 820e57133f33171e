import { type ShadowRecord, signalKindName } from "@breakwater/core";
import { ackStateToJSON, Signal } from "@breakwater/proto";
import { type Route, sendJson } from "@breakwater/telemetry";
import type { AckWatch } from "./ack-watch.js";
import type { SignalIndex } from "./signal-index.js";
import type { VenueRegistry } from "./venue-registry.js";

const MAX_LIMIT = 1_000;

function nonNegativeInt(text: string | null, fallback: number): number | undefined {
  if (text === null || text === "") return fallback;
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

/** `GET /v1/signals?after=N&limit=M`: the log after a sequence, as JSON. */
export function signalsRoute(index: SignalIndex): Route {
  return (req, res, url) => {
    if (req.method !== "GET" || url.pathname !== "/v1/signals") return false;
    const after = nonNegativeInt(url.searchParams.get("after"), 0);
    const limit = nonNegativeInt(url.searchParams.get("limit"), MAX_LIMIT);
    if (after === undefined || limit === undefined) {
      sendJson(res, 400, {
        error: "invalid_argument",
        message: "after and limit must be non-negative integers",
      });
      return true;
    }
    const signals = index.list(after, Math.min(limit || MAX_LIMIT, MAX_LIMIT));
    sendJson(res, 200, { lastSequence: index.last, signals: signals.map((s) => Signal.toJSON(s)) });
    return true;
  };
}

/** `GET /v1/venues`: every venue seen, its connection and acks. */
export function venuesRoute(venues: VenueRegistry): Route {
  return (req, res, url) => {
    if (req.method !== "GET" || url.pathname !== "/v1/venues") return false;
    sendJson(res, 200, { venues: venues.list() });
    return true;
  };
}

/** `GET /v1/leader`: this replica's view of the leader lease. */
export function leaderRoute(view: () => Record<string, unknown>): Route {
  return (req, res, url) => {
    if (req.method !== "GET" || url.pathname !== "/v1/leader") return false;
    sendJson(res, 200, view());
    return true;
  };
}

/**
 * `GET /v1/policy`: the policy in force (document, hash, source), the last
 * rejected reload, and (on the leader) what shadow rules would have sent.
 * `GET /v1/policy/shadow` returns only the shadow records.
 */
export function policyRoute(
  view: () => { policy: unknown; lastRejection: unknown; shadow: readonly ShadowRecord[] },
): Route {
  return (req, res, url) => {
    if (req.method !== "GET" || (url.pathname !== "/v1/policy" && url.pathname !== "/v1/policy/shadow"))
      return false;
    const v = view();
    const shadow = v.shadow.map((r) => ({
      ruleId: r.ruleId,
      atMs: r.atMs,
      assessmentId: r.assessmentId,
      signalId: r.draft.signalId,
      kind: signalKindName(r.draft.kind),
      scope: r.draft.scope,
      reason: r.draft.reason,
      evidence: r.draft.evidence,
    }));
    sendJson(res, 200, url.pathname === "/v1/policy" ? { ...v, shadow } : { shadow });
    return true;
  };
}

/**
 * `GET /v1/acks/late`: venues that had not acked a halt by its effective time
 * (`ackedAtMs` 0 while still missing); `?sequence=N` adds the acks of signal N.
 */
export function lateAcksRoute(watch: AckWatch): Route {
  return (req, res, url) => {
    if (req.method !== "GET" || url.pathname !== "/v1/acks/late") return false;
    const sequence = nonNegativeInt(url.searchParams.get("sequence"), 0);
    if (sequence === undefined) {
      sendJson(res, 400, { error: "invalid_argument", message: "sequence must be a non-negative integer" });
      return true;
    }
    const late = watch.lateAcks().filter((l) => sequence === 0 || l.sequence === sequence);
    sendJson(res, 200, {
      outstanding: watch.outstanding,
      late,
      ...(sequence > 0
        ? {
            acks: Object.fromEntries(
              Object.entries(watch.acksOf(sequence)).map(([venue, state]) => [venue, ackStateToJSON(state)]),
            ),
          }
        : {}),
    });
    return true;
  };
}
