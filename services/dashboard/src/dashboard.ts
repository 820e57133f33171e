import { readFileSync } from "node:fs";
import { BearerTokens } from "@breakwater/identity";
import type { Logger, ServiceHttp } from "@breakwater/telemetry";
import { startServiceHttp } from "@breakwater/telemetry";
import { dashboardAccess } from "./access.js";
import type { DashboardConfig } from "./config.js";
import { DashboardFeed } from "./feed.js";
import { LiveFeed } from "./live-feed.js";
import { dashboardMetrics } from "./metrics.js";
import { bundlePage, readPage } from "./page-bundle.js";
import { dashboardRoutes } from "./routes.js";
import { ApiClient } from "./upstream.js";

export interface RunningDashboard {
  /** http://host:port */
  readonly http: string;
  readonly feed: DashboardFeed;
  stop(): Promise<void>;
}

/**
 * Wires the dashboard: the page (built at start, or read from `pageDir`),
 * a feed that reads the correlator's and coordinator's APIs, its server-sent
 * events, and the what-if form's stress runs, behind the researcher tokens.
 */
export async function startDashboard(config: DashboardConfig, log: Logger): Promise<RunningDashboard> {
  const startedAt = Date.now();
  const page = config.pageDir ? readPage(config.pageDir) : await bundlePage();
  const upstreamToken = config.upstreamTokenFile
    ? readFileSync(config.upstreamTokenFile, "utf8").trim()
    : undefined;
  const correlator = new ApiClient(
    "correlator",
    config.correlatorUrl,
    upstreamToken,
    config.upstreamTimeoutMs,
  );
  const coordinator = new ApiClient(
    "coordinator",
    config.coordinatorUrl,
    upstreamToken,
    config.upstreamTimeoutMs,
  );
  const tokens = config.httpTokensFile
    ? BearerTokens.load(config.httpTokensFile, config.trustDomain)
    : undefined;
  if (!tokens) log.warn("no BW_HTTP_TOKENS_FILE: the dashboard is open to anyone who can reach it");

  const feed = new DashboardFeed({
    correlator,
    coordinator,
    pollMs: config.pollMs,
    timelineSignals: config.timelineSignals,
    log,
  });
  const live = new LiveFeed(feed, config.maxClients);
  let http: ServiceHttp;
  try {
    http = await startServiceHttp({
      host: config.httpHost,
      port: config.httpPort,
      notReadyReason: () => feed.notReadyReason(),
      authorize: dashboardAccess(tokens, (reason) => dashboardMetrics.httpAuthRefusals.inc({ reason })),
      routes: dashboardRoutes({ page, feed, live, correlator, tokens: tokens !== undefined }),
      log,
    });
  } catch (err) {
    live.close();
    throw err;
  }
  feed.start();
  log.info(
    {
      http: http.address,
      correlator: config.correlatorUrl,
      coordinator: config.coordinatorUrl,
      pollMs: config.pollMs,
      page: config.pageDir ?? "bundled at start",
      bundleBytes: page.get("/app.js")?.body.length,
      startMs: Date.now() - startedAt,
    },
    "dashboard started",
  );
  return {
    http: http.address,
    feed,
    stop: async () => {
      await feed.stop();
      live.close();
      await http.close();
    },
  };
}
