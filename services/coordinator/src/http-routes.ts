import { Signal } from "@breakwater/proto";
import { type Route, sendJson } from "@breakwater/telemetry";
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
