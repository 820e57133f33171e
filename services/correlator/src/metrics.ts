import { metricOnce } from "@breakwater/telemetry";
import { Counter, Gauge, Histogram, register } from "prom-client";

/** The correlator's metrics (default registry; `bw_correlator_` prefix). */
export const correlatorMetrics = {
  httpAuthRefusals: metricOnce(Counter, {
    name: "bw_correlator_http_auth_refusals_total",
    help: "HTTP requests refused for their bearer token or role, by reason",
    labelNames: ["reason"],
  }),
  authRefusals: metricOnce(Counter, {
    name: "bw_correlator_auth_refusals_total",
    help: "gRPC calls refused for their caller's identity, by method and reason",
    labelNames: ["method", "reason"],
  }),
  applied: metricOnce(Counter, {
    name: "bw_correlator_events_applied_total",
    help: "Chain events applied to the in-memory state, by kind (replayed and live)",
    labelNames: ["kind"],
  }),
  skipped: metricOnce(Counter, {
    name: "bw_correlator_events_skipped_total",
    help: "Redelivered chain events whose stream sequence was already applied",
    labelNames: ["kind"],
  }),
  unknownRetractions: metricOnce(Counter, {
    name: "bw_correlator_retractions_unknown_total",
    help: "Retractions of events neither the exposure nor the options book holds (already retracted, or not a position)",
  }),
  applyErrors: metricOnce(Counter, {
    name: "bw_correlator_apply_errors_total",
    help: "Valid-looking events the state refused; they are dead-lettered",
    labelNames: ["kind"],
  }),
  rejected: metricOnce(Counter, {
    name: "bw_correlator_events_rejected_total",
    help: "Chain events rejected and dead-lettered, by chain and reason (future_chain_time, amount_out_of_bounds, invalid)",
    labelNames: ["chain", "reason"],
  }),
  assessmentPublishFailures: metricOnce(Counter, {
    name: "bw_correlator_assessment_publish_failures_total",
    help: "Assessments that could not be stored (after retries); the tick is redelivered",
  }),
  replayed: metricOnce(Gauge, {
    name: "bw_correlator_replayed_events",
    help: "Chain events replayed on start: `silent` up to the ack floor, `catch_up` in flight at the last stop",
    labelNames: ["phase"],
  }),
  assessments: metricOnce(Counter, {
    name: "bw_correlator_assessments_published_total",
    help: "Risk assessments published; outcome=duplicate when the stream already held that assessment id",
    labelNames: ["outcome"],
  }),
  historyPages: metricOnce(Counter, {
    name: "bw_correlator_history_pages_total",
    help: "History pages asked for (GET /v1/history, ListHistory), by outcome: served, or invalid (a bad range, kind, limit or cursor; answered 400)",
    labelNames: ["outcome"],
  }),
  historyEntries: metricOnce(Counter, {
    name: "bw_correlator_history_entries_total",
    help: "Snapshots and signals served by the history (GET /v1/history, ListHistory)",
  }),
  historyUndecodable: metricOnce(Counter, {
    name: "bw_correlator_history_undecodable_total",
    help: "Stored history entries that could not be decoded and were left out of a page, by kind",
    labelNames: ["kind"],
  }),
  snapshots: metricOnce(Counter, {
    name: "bw_correlator_snapshots_published_total",
    help: "Exposure snapshots published to the history stream, by outcome",
    labelNames: ["outcome"],
  }),
  applySeconds: metricOnce(Histogram, {
    name: "bw_correlator_apply_seconds",
    help: "Time to apply one live chain event to the state, by kind",
    labelNames: ["kind"],
    buckets: [1e-6, 5e-6, 2.5e-5, 1e-4, 5e-4, 2.5e-3, 1e-2, 5e-2],
  }),
  assessSeconds: metricOnce(Histogram, {
    name: "bw_correlator_assessment_seconds",
    help: "Time from a live price tick's delivery to its assessment being stored",
    buckets: [5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 0.1, 0.5, 2],
  }),
};

/**
 * Chain label for a rejection: anyone who can publish can invent chains, so at
 * most this many distinct ones are labelled and the rest count as "other".
 */
const MAX_CHAIN_LABELS = 64;
const chainLabels = new Set<string>();

export function chainLabel(chainId: string): string {
  if (chainLabels.has(chainId)) return chainId;
  if (chainLabels.size >= MAX_CHAIN_LABELS) return "other";
  chainLabels.add(chainId);
  return chainId;
}

/** Gauges read from the state when scraped. */
export function registerStateGauges(read: {
  positions: () => number;
  optionPositions: () => number;
  staleChains: () => number;
  chains: () => number;
  /** (chain, source) price pairs left out of their asset's reference right now, by reason. */
  excludedPriceSources: () => ReadonlyMap<string, number>;
}): void {
  for (const [name, help, fn] of [
    ["bw_correlator_positions", "Open positions held in the exposure book", read.positions],
    [
      "bw_correlator_option_positions",
      "Open options positions held in the options book",
      read.optionPositions,
    ],
    ["bw_correlator_stale_chains", "Chains whose data is stale right now", read.staleChains],
    ["bw_correlator_chains", "Chains the correlator has seen", read.chains],
  ] as const) {
    register.removeSingleMetric(name);
    new Gauge({
      name,
      help,
      collect() {
        this.set(fn());
      },
    });
  }
  const excluded = "bw_correlator_price_sources_excluded";
  register.removeSingleMetric(excluded);
  new Gauge({
    name: excluded,
    help: "Price sources left out of their asset's reference now, by reason (behind_newest, clock, outlier, split)",
    labelNames: ["reason"],
    collect() {
      this.reset();
      for (const reason of EXCLUSION_REASONS) this.set({ reason }, 0);
      for (const [reason, n] of read.excludedPriceSources()) this.set({ reason }, n);
    },
  });
}

const EXCLUSION_REASONS = ["behind_newest", "clock", "outlier", "split"] as const;
