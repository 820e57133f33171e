import { metricOnce } from "@breakwater/telemetry";
import { Counter, Gauge } from "prom-client";

/** The dashboard's metrics (default registry; `bw_dashboard_` prefix). */
export const dashboardMetrics = {
  upstreamCalls: metricOnce(Counter, {
    name: "bw_dashboard_upstream_calls_total",
    help: "Calls to the correlator's and coordinator's APIs, by upstream and result (ok or the failure's reason)",
    labelNames: ["upstream", "result"],
  }),
  updates: metricOnce(Counter, {
    name: "bw_dashboard_updates_total",
    help: "Changed views pushed to the open pages, by topic",
    labelNames: ["topic"],
  }),
  clients: metricOnce(Gauge, {
    name: "bw_dashboard_live_clients",
    help: "Pages with an open live feed (server-sent events)",
  }),
  refusedClients: metricOnce(Counter, {
    name: "bw_dashboard_live_clients_refused_total",
    help: "Live feeds refused because the client limit was reached",
  }),
  stressRuns: metricOnce(Counter, {
    name: "bw_dashboard_stress_runs_total",
    help: "What-if runs forwarded to the correlator, by result (ok, rejected: the correlator's 4xx, failed)",
    labelNames: ["result"],
  }),
  httpAuthRefusals: metricOnce(Counter, {
    name: "bw_dashboard_http_auth_refusals_total",
    help: "Requests refused for their token or role, by reason",
    labelNames: ["reason"],
  }),
};
