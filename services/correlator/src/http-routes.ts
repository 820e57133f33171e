import { type Route, sendJson } from "@breakwater/telemetry";
import type { CorrelatorState } from "./correlator-state.js";
import { parseExposureQuery, QueryError } from "./exposure-query.js";
import { exposureSnapshotJson } from "./snapshot-json.js";

export interface ResearcherApiDeps {
  readonly state: CorrelatorState;
  /** Why queries cannot be answered yet (state still being rebuilt), or undefined. */
  readonly notReadyReason: () => string | undefined;
  readonly clock?: () => number;
}

/**
 * The researcher API on the service's HTTP server:
 * - `GET /v1/exposure?asset=&chain=&venue=` → the exposure snapshot (rows, reference prices, freshness)
 * - `GET /v1/chains?chain=` → each chain's freshness
 * A bad query is a 400 `{error, field, reason}`; before the state is rebuilt, a 503.
 */
export function researcherRoutes(deps: ResearcherApiDeps): Route[] {
  const clock = deps.clock ?? Date.now;
  const endpoint =
    (path: string, answer: (params: URLSearchParams) => unknown): Route =>
    (req, res, url) => {
      if (url.pathname !== path) return false;
      if (req.method !== "GET") {
        res.setHeader("allow", "GET");
        sendJson(res, 405, { error: "method_not_allowed", path });
        return true;
      }
      const notReady = deps.notReadyReason();
      if (notReady) {
        sendJson(res, 503, { error: "not_ready", reason: notReady });
        return true;
      }
      try {
        sendJson(res, 200, answer(url.searchParams));
      } catch (err) {
        if (!(err instanceof QueryError)) throw err;
        sendJson(res, 400, err.toJSON());
      }
      return true;
    };

  return [
    endpoint("/v1/exposure", (params) =>
      exposureSnapshotJson(deps.state.snapshot(parseExposureQuery(params), clock())),
    ),
    endpoint("/v1/chains", (params) => {
      const { chainId } = parseExposureQuery(params, ["chain"]);
      const now = clock();
      const chains = deps.state.freshness.view(now).filter((c) => !chainId || c.chainId === chainId);
      return { takenAtMs: now, chains, staleChains: chains.filter((c) => c.stale).map((c) => c.chainId) };
    }),
  ];
}
