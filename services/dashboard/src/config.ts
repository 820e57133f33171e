import { fields, loadConfig } from "@breakwater/config";
import { z } from "zod";

const httpUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, "must be an http:// or https:// URL")
  .transform((u) => u.replace(/\/+$/, ""));

/** The dashboard's settings. Unknown keys in a config file are rejected. */
export const dashboardConfigSchema = z.strictObject({
  httpHost: fields.host,
  /** The page, its live feed, /metrics, /healthz, /readyz; 0 = any free port. */
  httpPort: fields.port.default(9104),
  /** The correlator's HTTP API (exposure, ladder, prices, volatility, chains, stress). */
  correlatorUrl: httpUrl.default("http://127.0.0.1:9102"),
  /** The coordinator's HTTP API (signals, venues, acks); any replica. */
  coordinatorUrl: httpUrl.default("http://127.0.0.1:9103"),
  /**
   * A file holding the bearer token the dashboard presents to both APIs (role
   * researcher); without it the dashboard calls them without a token (an open API).
   */
  upstreamTokenFile: z.string().min(1).optional(),
  /**
   * Bearer tokens of the dashboard itself (the tokens file format of the other services):
   * with it the page and its feed need a token of role researcher, operator or admin;
   * without it the dashboard is open to anyone who can reach it (a warning at start).
   */
  httpTokensFile: z.string().min(1).optional(),
  trustDomain: fields.trustDomain,
  /** How often the APIs are read; a change is pushed to every open page. */
  pollMs: fields.durationMs.default(1_000),
  /** An API call that takes longer than this fails (counted, retried at the next poll). */
  upstreamTimeoutMs: fields.durationMs.default(5_000),
  /** Signals shown on the timeline (the newest), each with its acks per venue. */
  timelineSignals: z.coerce.number().int().min(1).max(500).default(50),
  /** Open live feeds at most; one more is refused with 503. */
  maxClients: z.coerce.number().int().min(1).max(10_000).default(100),
  /**
   * A folder with the built page (index.html, app.js, app.css; `make build` writes one). Without it
   * the page is bundled in memory at start (esbuild, well under a second).
   */
  pageDir: z.string().min(1).optional(),
  logLevel: fields.logLevel,
});

export type DashboardConfig = z.infer<typeof dashboardConfigSchema>;

const ENV = {
  BW_HTTP_HOST: "httpHost",
  BW_HTTP_PORT: "httpPort",
  BW_CORRELATOR_URL: "correlatorUrl",
  BW_COORDINATOR_URL: "coordinatorUrl",
  BW_UPSTREAM_TOKEN_FILE: "upstreamTokenFile",
  BW_HTTP_TOKENS_FILE: "httpTokensFile",
  BW_TRUST_DOMAIN: "trustDomain",
  BW_DASHBOARD_POLL_MS: "pollMs",
  BW_UPSTREAM_TIMEOUT_MS: "upstreamTimeoutMs",
  BW_DASHBOARD_TIMELINE_SIGNALS: "timelineSignals",
  BW_DASHBOARD_MAX_CLIENTS: "maxClients",
  BW_DASHBOARD_PAGE_DIR: "pageDir",
  BW_LOG_LEVEL: "logLevel",
} as const;

const FLAGS = {
  "http-host": "httpHost",
  "http-port": "httpPort",
  "correlator-url": "correlatorUrl",
  "coordinator-url": "coordinatorUrl",
  "poll-ms": "pollMs",
  "page-dir": "pageDir",
  "log-level": "logLevel",
} as const;

/** Loads the configuration (file, then env, then flags); throws ConfigError naming every bad field. */
export function loadDashboardConfig(
  argv: readonly string[] = process.argv.slice(2),
  environment: NodeJS.ProcessEnv = process.env,
): DashboardConfig {
  return loadConfig(dashboardConfigSchema, {
    service: "dashboard",
    env: ENV,
    flags: FLAGS,
    argv,
    environment,
  });
}
