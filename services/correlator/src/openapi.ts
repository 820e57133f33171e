// The researcher API's OpenAPI document, served at /openapi.json. Response
// bodies are the proto messages of breakwater.v1.ExposureService in their
// JSON form (camelCase field names, every field present but the optional
// greeks of an unpriceable asset in /v1/greeks).

import { HISTORY_PAGE } from "@breakwater/core";
import { type OperationExample, operationExamples } from "./openapi-examples.js";
import { STRESS_LIMITS } from "./research-queries.js";
import { MAX_SNAPSHOT_PAGE } from "./snapshot-history.js";

const str = (description: string) => ({ type: "string", description });
/** An object whose listed properties are all required (others may follow). */
const objectOf = (description: string, properties: Record<string, unknown>) => ({
  type: "object",
  description,
  required: Object.keys(properties),
  properties,
});
const q = (name: string, description: string, type: "string" | "integer" = "string") => ({
  name,
  in: "query",
  required: false,
  description,
  schema: { type },
});
const asset = q("asset", "An asset id, e.g. ETH; omitted = every asset");
const invalid = {
  description: 'Invalid query: `{error: "invalid_query", field, reason}`',
  content: { "application/json": { schema: { $ref: "#/components/schemas/QueryError" } } },
};
const notReady = { description: 'State still being rebuilt from the stream: `{error: "not_ready", reason}`' };
/** Messages with a schema of their own in components (the rest: an object, described by its proto message). */
const SCHEMAS: Record<string, string> = { ListHistoryResponse: "HistoryPage" };
const ok = (message: string) => ({
  description: `breakwater.v1.${message} as JSON`,
  content: {
    "application/json": {
      schema: SCHEMAS[message]
        ? { $ref: `#/components/schemas/${SCHEMAS[message]}` }
        : { type: "object", description: `proto message ${message}` },
    },
  },
});
/** Examples of a response body: the answer to the example request, or the refusal of the bad one. */
const examplesOf = (summary: string, value: unknown) => ({ examples: { example: { summary, value } } });
const queryText = (params: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();

/** The 200 and 400 responses of an operation, each with its example. */
function responses(path: string, message: string, ex: OperationExample) {
  const ask = `${path}${Object.keys(ex.params).length ? `?${queryText(ex.params)}` : ""}`;
  const bad = `${path}${Object.keys(ex.badParams).length ? `?${queryText(ex.badParams)}` : ""}`;
  const okResponse = ok(message);
  return {
    200: {
      ...okResponse,
      content: {
        "application/json": {
          ...okResponse.content["application/json"],
          ...examplesOf(`The answer to ${ask}`, ex.answer),
        },
      },
    },
    400: {
      ...invalid,
      content: {
        "application/json": {
          ...invalid.content["application/json"],
          ...examplesOf(`The refusal of ${bad}`, ex.refusal),
        },
      },
    },
  };
}

/** A GET operation at `path`; its operationId is the ExposureService method it mirrors (`GetLadderResponse` → `getLadder`). */
const get = (path: string, summary: string, parameters: { name: string }[], message: string) => {
  const ex = operationExamples()[path];
  if (!ex) throw new Error(`no examples for ${path}`);
  return {
    [path]: {
      get: {
        operationId: operationIdOf(message),
        summary,
        parameters: parameters.map((p) => {
          const example = ex.params[p.name] ?? ex.otherParams?.[p.name];
          return example === undefined ? p : { ...p, example };
        }),
        responses: { ...responses(path, message, ex), 503: notReady },
      },
    },
  };
};

function operationIdOf(message: string): string {
  const method = message === "ExposureSnapshot" ? "GetExposure" : message.replace(/Response$/, "");
  return method.charAt(0).toLowerCase() + method.slice(1);
}

export function openApiDocument(): Record<string, unknown> {
  const stress = operationExamples()["/v1/stress"]!;
  return {
    openapi: "3.1.0",
    info: {
      title: "Breakwater correlator — researcher API",
      version: "1",
      license: { name: "Proprietary", identifier: "LicenseRef-Breakwater-Proprietary" },
      description:
        "Cross-venue, cross-chain exposure, liquidation ladders, multi-source reference prices, EWMA volatility and correlation, options greeks, chain freshness, snapshot history and cascade stress tests. The same queries are on gRPC breakwater.v1.ExposureService. Every answer lists stale chains (positions on them are kept, marked stale).",
    },
    servers: [
      {
        url: "http://127.0.0.1:9102",
        description:
          "The correlator's default HTTP address (BW_HTTP_HOST, BW_HTTP_PORT); in a cluster, its Service",
      },
    ],
    // Bearer tokens (a tokens file of name, role and the token's sha256; role researcher,
    // operator or admin). Without a tokens file the service serves reads anonymously.
    security: [{ bearerAuth: [] }],
    paths: {
      ...get(
        "/v1/exposure",
        "Exposure per (asset, venue, chain) at the reference prices",
        [
          asset,
          q("chain", "A chain id"),
          q("venue", "A venue id"),
          q("entity", "An entity: EVM address (same on every chain), <chain>:<account>, or a mapped name"),
        ],
        "ExposureSnapshot",
      ),
      ...get(
        "/v1/assets",
        "Per-asset risk: totals by venue and chain, collateral across venues, leverage distribution, concentration (HHI, top entities)",
        [asset],
        "GetAssetRiskResponse",
      ),
      ...get(
        "/v1/ladder",
        "Liquidation ladder: notional liquidatable at each price move",
        [
          asset,
          q("stepBps", "Rung spacing in basis points (default 50)", "integer"),
          q(
            "rangeBps",
            "Range ± in basis points, a multiple of stepBps, at most 9900 (default 5000)",
            "integer",
          ),
        ],
        "GetLadderResponse",
      ),
      ...get(
        "/v1/prices",
        "Reference prices with every source, its age, freshness, agreement, deviation and why it is left out (excluded)",
        [asset],
        "GetReferencePricesResponse",
      ),
      ...get(
        "/v1/volatility",
        "EWMA volatility per asset and correlation per pair",
        [q("asset", "Only this asset and the pairs involving it")],
        "GetVolatilityResponse",
      ),
      ...get(
        "/v1/greeks",
        "Options greeks per underlying asset and venue: Σ ± size × Black-76 delta, gamma and vega (vega per 1.00 of volatility) on the reference price, with the venue's implied volatility or the one its mark implies. Without a reference price the asset is unpriceable: no greeks, positions still counted",
        [
          q("asset", "An underlying asset id, e.g. ETH; omitted = every asset holding options positions"),
          q("venue", "A venue id; omitted = every venue"),
        ],
        "GetGreeksResponse",
      ),
      ...get(
        "/v1/chains",
        "Freshness of every chain",
        [q("chain", "A chain id")],
        "GetChainFreshnessResponse",
      ),
      ...get(
        "/v1/snapshots",
        "Exposure snapshot history (BW_SNAPSHOTS), oldest first, paged",
        [
          q("fromMs", "Earliest takenAtMs (Unix ms, inclusive)", "integer"),
          q("toMs", "Latest takenAtMs (Unix ms, inclusive)", "integer"),
          q("pageSize", `1..${MAX_SNAPSHOT_PAGE} (default 20)`, "integer"),
          q("pageToken", "nextPageToken of the previous page"),
        ],
        "ListSnapshotsResponse",
      ),
      ...get(
        "/v1/history",
        'Researcher history by time: exposure snapshots (BW_SNAPSHOTS, by takenAtMs), then signals (BW_SIGNALS, by issuedAtMs), each oldest first, paged with an opaque cursor. Entries are `{kind: "snapshot", snapshot}` or `{kind: "signal", signal}`',
        [
          q("from", "Earliest time, RFC 3339 (inclusive); omitted = the oldest kept"),
          q("to", "Latest time, RFC 3339 (exclusive); omitted = open"),
          q("kinds", "Comma-separated: snapshot, signal (default both)"),
          q("limit", `Entries per page, 1..${HISTORY_PAGE.max} (default ${HISTORY_PAGE.default})`, "integer"),
          q(
            "cursor",
            "nextCursor of the previous page; it carries the range and kinds (give the same ones, or none)",
          ),
        ],
        "ListHistoryResponse",
      ),
      "/v1/stress": {
        post: {
          operationId: "runStress",
          summary: "Run a cascade stress scenario on the current positions",
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: { $ref: "#/components/schemas/StressScenario" },
                examples: {
                  example: { summary: "ETH falls 10%, at most five rounds", value: stress.body },
                },
              },
            },
          },
          responses: {
            ...responses("/v1/stress", "RunStressResponse", stress),
            413: {
              description: 'Body larger than 64 KiB: `{error: "request_too_large", limitBytes, reason}`',
            },
            503: notReady,
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description:
            "A token listed (by its SHA-256) in the service's BW_HTTP_TOKENS_FILE with role researcher, operator or admin. gRPC uses mutual TLS instead.",
        },
      },
      schemas: {
        HistoryPage: {
          type: "object",
          additionalProperties: false,
          required: ["entries", "nextCursor"],
          properties: {
            entries: {
              type: "array",
              items: {
                oneOf: [
                  {
                    type: "object",
                    required: ["kind", "snapshot"],
                    properties: {
                      kind: { const: "snapshot" },
                      snapshot: objectOf("proto message ExposureSnapshot, every field present", {
                        takenAtMs: { type: "integer" },
                        rows: { type: "array", items: { type: "object" } },
                        referencePrices: { type: "object", additionalProperties: { type: "string" } },
                        chains: { type: "array", items: { type: "object" } },
                        staleChains: { type: "array", items: { type: "string" } },
                        unpriceableAssets: { type: "array", items: { type: "string" } },
                      }),
                    },
                  },
                  {
                    type: "object",
                    required: ["kind", "signal"],
                    properties: {
                      kind: { const: "signal" },
                      signal: objectOf(
                        "proto message Signal (proto3 JSON: fields at their default are left out)",
                        {
                          sequence: { type: "integer", minimum: 1 },
                          signalId: { type: "string" },
                          kind: { type: "string" },
                          issuedAtMs: { type: "integer" },
                        },
                      ),
                    },
                  },
                ],
              },
            },
            nextCursor: str("The cursor of the next page; empty on the last"),
          },
        },
        QueryError: {
          type: "object",
          required: ["error", "field", "reason"],
          properties: {
            error: { const: "invalid_query" },
            field: str("The offending field"),
            reason: str("Why"),
          },
        },
        StressScenario: {
          type: "object",
          additionalProperties: false,
          required: ["shocks"],
          properties: {
            shocks: {
              type: "array",
              minItems: 1,
              maxItems: STRESS_LIMITS.shocks,
              items: {
                type: "object",
                required: ["asset", "move"],
                properties: { asset: str("Asset id"), move: { type: "number", minimum: -0.99, maximum: 10 } },
              },
            },
            maxRounds: {
              type: "integer",
              minimum: 0,
              maximum: STRESS_LIMITS.maxRounds,
              description: "0 = 10",
            },
            depth: {
              type: "array",
              maxItems: STRESS_LIMITS.depth,
              items: {
                type: "object",
                required: ["asset", "notionalPer1pct", "exponent"],
                properties: {
                  asset: str("Asset id"),
                  notionalPer1pct: { type: "number", exclusiveMinimum: 0 },
                  exponent: { type: "number", exclusiveMinimum: 0, maximum: 2 },
                },
              },
            },
            insuranceFunds: {
              type: "array",
              maxItems: STRESS_LIMITS.insuranceFunds,
              items: {
                type: "object",
                required: ["venueId", "amount"],
                properties: { venueId: str("Venue id"), amount: { type: "number", minimum: 0 } },
              },
            },
            propagate: { type: "boolean", description: "Propagate moves through EWMA beta (positive only)" },
          },
        },
      },
    },
  };
}
