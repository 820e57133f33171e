import type { IncomingMessage } from "node:http";
import type { Bus } from "@breakwater/bus";
import { HISTORY_PAGE, InvalidRequestError } from "@breakwater/core";
import {
  GetAssetRiskRequest,
  GetChainFreshnessRequest,
  GetGreeksRequest,
  GetLadderRequest,
  GetReferencePricesRequest,
  GetVolatilityRequest,
  type HistoryEntry,
  HistoryKind,
  ListHistoryRequest,
  ListSnapshotsRequest,
  Signal,
} from "@breakwater/proto";
import { type Logger, type Route, sendJson } from "@breakwater/telemetry";
import type { CorrelatorState } from "./correlator-state.js";

export { httpFieldOf } from "./http-field.js";

import { parseExposureQuery } from "./exposure-query.js";
import { listHistory } from "./history.js";
import { httpFieldOf } from "./http-field.js";
import { openApiDocument } from "./openapi.js";
import {
  assetRisk,
  chainFreshness,
  greeks,
  ladder,
  referencePrices,
  runStress,
  volatility,
} from "./research-queries.js";
import { listSnapshots } from "./snapshot-history.js";
import { exposureSnapshotJson } from "./snapshot-json.js";
import { parseStressBody, RequestTooLargeError } from "./stress-body.js";

export interface ResearcherApiDeps {
  readonly state: CorrelatorState;
  /** Why queries cannot be answered yet (state still being rebuilt), or undefined. */
  readonly notReadyReason: () => string | undefined;
  /** For the snapshot history; without it `/v1/snapshots` answers 503. */
  readonly bus?: Bus;
  readonly clock?: () => number;
  readonly log?: Logger;
}

const HISTORY_KIND_OF: Record<string, HistoryKind> = {
  snapshot: HistoryKind.HISTORY_KIND_SNAPSHOT,
  signal: HistoryKind.HISTORY_KIND_SIGNAL,
};

/** `kinds=snapshot,signal` as the wire's kinds; an unknown name is refused naming `kinds`. */
function historyKindsOf(text: string | undefined): HistoryKind[] {
  if (text === undefined) return [];
  return text.split(",").map((name) => {
    const kind = HISTORY_KIND_OF[name.trim()];
    if (kind === undefined)
      throw new InvalidRequestError(
        "kinds",
        `unknown kind "${name.slice(0, 40)}" (known: ${Object.keys(HISTORY_KIND_OF).join(", ")})`,
      );
    return kind;
  });
}

/** A history entry as JSON: `{kind: "snapshot", snapshot}` or `{kind: "signal", signal}`. */
export function historyEntryJson(entry: HistoryEntry): Record<string, unknown> {
  const e = entry.entry;
  if (e?.$case === "snapshot") return { kind: "snapshot", snapshot: exposureSnapshotJson(e.value) };
  if (e?.$case === "signal") return { kind: "signal", signal: Signal.toJSON(e.value) };
  return { kind: "unknown" };
}

/** Largest `POST /v1/stress` body accepted (bytes). */
export const MAX_STRESS_BODY = 64 * 1024;

type ParamKind = "string" | "int";

/**
 * Reads query parameters into a request object: each known parameter maps to
 * a request field; unknown, repeated or empty parameters and non-integers are
 * InvalidRequestErrors naming the parameter.
 */
function readParams(
  params: URLSearchParams,
  spec: Record<string, { field: string; kind: ParamKind }>,
): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  const known = Object.keys(spec);
  for (const name of new Set(params.keys())) {
    const s = spec[name];
    if (!s) throw new InvalidRequestError(name, `unknown parameter (known: ${known.join(", ") || "none"})`);
    const values = params.getAll(name);
    if (values.length > 1) throw new InvalidRequestError(name, "given more than once");
    const v = values[0]!;
    if (v === "") throw new InvalidRequestError(name, "must not be empty (leave the parameter out instead)");
    if (s.kind === "int") {
      if (!/^-?\d{1,15}$/.test(v))
        throw new InvalidRequestError(name, `"${v.slice(0, 40)}" is not an integer`);
      out[s.field] = Number(v);
    } else out[s.field] = v;
  }
  return out;
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) throw new RequestTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new RequestTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The researcher API on the service's HTTP server (see `/openapi.json`):
 * exposure, per-asset risk, the liquidation ladder, reference prices with
 * their sources, volatility and correlation, options greeks, chain
 * freshness, snapshot history and `POST /v1/stress`. A bad query is a 400 `{error, field,
 * reason}`; an oversized body a 413; before the state is rebuilt, a 503.
 */
export function researcherRoutes(deps: ResearcherApiDeps): Route[] {
  const clock = deps.clock ?? Date.now;
  const { state } = deps;
  const endpoint =
    (
      path: string,
      method: "GET" | "POST",
      answer: (params: URLSearchParams, req: IncomingMessage) => unknown | Promise<unknown>,
      needsState = true,
    ): Route =>
    async (req, res, url) => {
      if (url.pathname !== path) return false;
      if (req.method !== method) {
        res.setHeader("allow", method);
        sendJson(res, 405, { error: "method_not_allowed", path });
        return true;
      }
      const notReady = needsState ? deps.notReadyReason() : undefined;
      if (notReady) {
        sendJson(res, 503, { error: "not_ready", reason: notReady });
        return true;
      }
      try {
        sendJson(res, 200, await answer(url.searchParams, req));
      } catch (err) {
        if (err instanceof InvalidRequestError)
          sendJson(res, 400, { ...err.toJSON(), field: httpFieldOf(err.field) });
        else if (err instanceof RequestTooLargeError) sendJson(res, 413, err.toJSON());
        // everything else: the server answers by its status and logs an internal one
        else throw err;
      }
      return true;
    };

  return [
    endpoint("/openapi.json", "GET", () => openApiDocument(), false),
    endpoint("/v1/exposure", "GET", (params) =>
      exposureSnapshotJson(state.snapshot(parseExposureQuery(params), clock())),
    ),
    endpoint("/v1/chains", "GET", (params) =>
      chainFreshness(
        state,
        GetChainFreshnessRequest.fromPartial(
          readParams(params, { chain: { field: "chainId", kind: "string" } }),
        ),
        clock(),
      ),
    ),
    endpoint("/v1/assets", "GET", (params) =>
      assetRisk(
        state,
        GetAssetRiskRequest.fromPartial(readParams(params, { asset: { field: "asset", kind: "string" } })),
        clock(),
      ),
    ),
    endpoint("/v1/ladder", "GET", (params) =>
      ladder(
        state,
        GetLadderRequest.fromPartial(
          readParams(params, {
            asset: { field: "asset", kind: "string" },
            stepBps: { field: "stepBps", kind: "int" },
            rangeBps: { field: "rangeBps", kind: "int" },
          }),
        ),
        clock(),
      ),
    ),
    endpoint("/v1/prices", "GET", (params) =>
      referencePrices(
        state,
        GetReferencePricesRequest.fromPartial(
          readParams(params, { asset: { field: "asset", kind: "string" } }),
        ),
        clock(),
      ),
    ),
    endpoint("/v1/volatility", "GET", (params) =>
      volatility(
        state,
        GetVolatilityRequest.fromPartial(readParams(params, { asset: { field: "asset", kind: "string" } })),
        clock(),
      ),
    ),
    endpoint("/v1/greeks", "GET", (params) =>
      greeks(
        state,
        GetGreeksRequest.fromPartial(
          readParams(params, {
            asset: { field: "asset", kind: "string" },
            venue: { field: "venueId", kind: "string" },
          }),
        ),
        clock(),
      ),
    ),
    endpoint(
      "/v1/snapshots",
      "GET",
      async (params) => {
        const req = ListSnapshotsRequest.fromPartial(
          readParams(params, {
            fromMs: { field: "fromMs", kind: "int" },
            toMs: { field: "toMs", kind: "int" },
            pageSize: { field: "pageSize", kind: "int" },
            pageToken: { field: "pageToken", kind: "string" },
          }),
        );
        if (!deps.bus) throw new InvalidRequestError("from_ms", "snapshot history is not available");
        const page = await listSnapshots(deps.bus, req);
        return {
          snapshots: page.snapshots.map(exposureSnapshotJson),
          nextPageToken: page.nextPageToken,
        };
      },
      false,
    ),
    endpoint(
      "/v1/history",
      "GET",
      async (params) => {
        const p = readParams(params, {
          from: { field: "from", kind: "string" },
          to: { field: "to", kind: "string" },
          kinds: { field: "kinds", kind: "string" },
          limit: { field: "limit", kind: "int" },
          cursor: { field: "cursor", kind: "string" },
        });
        const req = ListHistoryRequest.fromPartial({
          ...p,
          kinds: historyKindsOf(p["kinds"] as string | undefined),
        });
        if (p["limit"] === 0) throw new InvalidRequestError("limit", `must be from 1 to ${HISTORY_PAGE.max}`);
        if (!deps.bus) throw new InvalidRequestError("from", "history is not available");
        const page = await listHistory(deps.bus, req, deps.log);
        return { entries: page.entries.map(historyEntryJson), nextCursor: page.nextCursor };
      },
      false,
    ),
    endpoint("/v1/stress", "POST", async (_params, req) => {
      const body = await readBody(req, MAX_STRESS_BODY);
      return runStress(state, parseStressBody(body), clock());
    }),
  ];
}
