import type { IncomingMessage } from "node:http";
import { BreakwaterError, type ErrorStatus, InvalidRequestError } from "@breakwater/core";
import { type Route, sendJson } from "@breakwater/telemetry";
import { TOKEN_COOKIE } from "./access.js";
import { UpstreamError } from "./errors.js";
import { type DashboardFeed, TOPICS } from "./feed.js";
import type { LiveFeed } from "./live-feed.js";
import { dashboardMetrics } from "./metrics.js";
import type { PageAssets } from "./page-bundle.js";
import type { ApiClient } from "./upstream.js";

/** Largest what-if body accepted (the correlator's own limit). */
export const MAX_STRESS_BODY = 64 * 1024;

/** A request body over the size limit (413). */
export class BodyTooLargeError extends BreakwaterError {
  override readonly status: ErrorStatus = "invalid_argument";
  constructor(readonly limitBytes: number) {
    super("request_too_large", `the body exceeds ${limitBytes} bytes`, { limitBytes });
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  if (Number(req.headers["content-length"] ?? "0") > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export interface DashboardRouteDeps {
  readonly page: PageAssets;
  readonly feed: DashboardFeed;
  readonly live: LiveFeed;
  readonly correlator: ApiClient;
  /** Whether requests carry tokens (the `?token=` link then sets the cookie). */
  readonly tokens: boolean;
}

/**
 * The page (`/`, `/app.js`, `/app.css`), its live feed (`GET /v1/events`,
 * server-sent events), every topic at once (`GET /v1/view`) and the what-if
 * form's `POST /v1/stress`, forwarded to the correlator.
 */
export function dashboardRoutes(deps: DashboardRouteDeps): Route[] {
  const pageRoute: Route = (req, res, url) => {
    const asset = deps.page.get(url.pathname === "/index.html" ? "/" : url.pathname);
    if (!asset || req.method !== "GET") return false;
    if (url.pathname === "/" && deps.tokens && url.searchParams.has("token")) {
      // keep the token in a cookie the EventSource sends, and out of the address bar
      res.writeHead(303, {
        location: "/",
        "set-cookie": `${TOKEN_COOKIE}=${encodeURIComponent(url.searchParams.get("token")!)}; HttpOnly; SameSite=Strict; Path=/`,
      });
      res.end();
      return true;
    }
    const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    const body = gzip ? asset.gzipped : asset.body;
    res.writeHead(200, {
      "content-type": asset.type,
      "content-length": body.length,
      vary: "accept-encoding",
      ...(gzip ? { "content-encoding": "gzip" } : {}),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    });
    res.end(body);
    return true;
  };

  const viewRoute: Route = (req, res, url) => {
    if (req.method !== "GET" || url.pathname !== "/v1/view") return false;
    const out: Record<string, unknown> = {};
    for (const t of TOPICS) {
      const json = deps.feed.current(t);
      if (json !== undefined) out[t] = JSON.parse(json);
    }
    sendJson(res, 200, out);
    return true;
  };

  const eventsRoute: Route = (req, res, url) => {
    if (req.method !== "GET" || url.pathname !== "/v1/events") return false;
    deps.live.open(req, res);
    return true;
  };

  const stressRoute: Route = async (req, res, url) => {
    if (url.pathname !== "/v1/stress") return false;
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      sendJson(res, 405, { error: "method_not_allowed", path: url.pathname });
      return true;
    }
    // a JSON content type cannot be sent cross-site without a preflight the dashboard never grants
    if (!/^application\/json\b/.test(req.headers["content-type"] ?? ""))
      throw new InvalidRequestError("content-type", "must be application/json");
    let body: string;
    try {
      body = await readBody(req, MAX_STRESS_BODY);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        dashboardMetrics.stressRuns.inc({ result: "rejected" });
        sendJson(res, 413, { error: err.code, limitBytes: err.limitBytes, reason: err.message });
        return true;
      }
      throw err;
    }
    try {
      const answer = await deps.correlator.post("/v1/stress", body);
      dashboardMetrics.stressRuns.inc({ result: answer.status < 300 ? "ok" : "rejected" });
      sendJson(res, answer.status, answer.body);
    } catch (err) {
      dashboardMetrics.stressRuns.inc({ result: "failed" });
      if (err instanceof UpstreamError) sendJson(res, 502, { error: err.code, reason: err.message });
      else throw err;
    }
    return true;
  };

  return [pageRoute, viewRoute, eventsRoute, stressRoute];
}
