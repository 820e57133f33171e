import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BreakwaterError } from "@breakwater/core";
import { collectDefaultMetrics, register } from "prom-client";
import { httpStatusOf, logRequestFailure, publicMessageOf } from "./error-status.js";
import type { Logger } from "./logger.js";

/** Handles a request and returns true, or returns false to let the next route try. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface ServiceHttpOptions {
  readonly host: string;
  readonly port: number;
  /** Readiness: why the service is not ready, or undefined when it is. */
  readonly notReadyReason: () => string | undefined;
  readonly routes?: readonly Route[];
  /** Where a route's failures are logged (an internal error's message goes here, not to the caller). */
  readonly log?: Logger;
  /**
   * Checks who may make a request before any route sees it; throws an
   * unauthenticated (401) or permission-denied (403) error to refuse it.
   */
  readonly authorize?: (req: IncomingMessage, url: URL) => void;
}

export interface ServiceHttp {
  readonly server: Server;
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

let defaultMetricsStarted = false;

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The HTTP face every service has: `/metrics` (Prometheus), `/healthz` (the
 * process is alive), `/readyz` (it can do its job), plus the service's own routes.
 */
export async function startServiceHttp(opts: ServiceHttpOptions): Promise<ServiceHttp> {
  if (!defaultMetricsStarted) {
    collectDefaultMetrics();
    defaultMetricsStarted = true;
  }
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      if (req.method === "GET" && url.pathname === "/metrics") {
        res.writeHead(200, { "content-type": register.contentType });
        res.end(await register.metrics());
        return;
      }
      if (req.method === "GET" && url.pathname === "/healthz") return sendJson(res, 200, { status: "ok" });
      if (req.method === "GET" && url.pathname === "/readyz") {
        const reason = opts.notReadyReason();
        return sendJson(
          res,
          reason ? 503 : 200,
          reason ? { status: "not_ready", reason } : { status: "ready" },
        );
      }
      opts.authorize?.(req, url);
      for (const route of opts.routes ?? []) if (await route(req, res, url)) return;
      sendJson(res, 404, { error: "not_found", path: url.pathname });
    } catch (err) {
      logRequestFailure(opts.log, err, { method: req.method, path: url.pathname });
      if (res.headersSent) res.destroy();
      else if (httpStatusOf(err) === 500) sendJson(res, 500, { error: "internal" });
      else {
        if (httpStatusOf(err) === 401) res.setHeader("www-authenticate", 'Bearer realm="breakwater"');
        sendJson(res, httpStatusOf(err), {
          error: err instanceof BreakwaterError ? err.code : "internal",
          message: publicMessageOf(err),
        });
      }
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    address: `http://${opts.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
