import { Counter, Gauge, Histogram, type Metric, register } from "prom-client";

function once<M extends Metric>(name: string, make: () => M): M {
  return (register.getSingleMetric(name) as M | undefined) ?? make();
}

/** The coordinator's metrics, registered once per process in the default registry. */
export const coordinatorMetrics = {
  signalsAppended: once(
    "bw_coordinator_signals_appended_total",
    () =>
      new Counter({
        name: "bw_coordinator_signals_appended_total",
        help: "Signals appended to the signal log",
        labelNames: ["kind", "rule"],
      }),
  ),
  duplicateAppends: once(
    "bw_coordinator_duplicate_appends_total",
    () =>
      new Counter({
        name: "bw_coordinator_duplicate_appends_total",
        help: "Appends of a signal id already in the log (returned the original sequence)",
      }),
  ),
  appendSeconds: once(
    "bw_coordinator_append_seconds",
    () =>
      new Histogram({
        name: "bw_coordinator_append_seconds",
        help: "Time to append a signal to the log (including fenced retries)",
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      }),
  ),
  fencedAppends: once(
    "bw_coordinator_fenced_appends_total",
    () =>
      new Counter({
        name: "bw_coordinator_fenced_appends_total",
        help: "Appends rejected because the log moved past the writer's view",
      }),
  ),
  logSequence: once(
    "bw_coordinator_log_sequence",
    () => new Gauge({ name: "bw_coordinator_log_sequence", help: "Last signal log sequence read" }),
  ),
  logHoles: once(
    "bw_coordinator_log_holes_total",
    () =>
      new Counter({
        name: "bw_coordinator_log_holes_total",
        help: "Log entries that are not servable signals",
        labelNames: ["reason"],
      }),
  ),
  assessments: once(
    "bw_coordinator_assessments_total",
    () =>
      new Counter({
        name: "bw_coordinator_assessments_total",
        help: "Risk assessments consumed, by outcome",
        labelNames: ["outcome"],
      }),
  ),
  subscribers: once(
    "bw_coordinator_subscribers",
    () => new Gauge({ name: "bw_coordinator_subscribers", help: "Venue subscriptions currently open" }),
  ),
  subscribersDropped: once(
    "bw_coordinator_subscribers_dropped_total",
    () =>
      new Counter({
        name: "bw_coordinator_subscribers_dropped_total",
        help: "Subscriptions the coordinator ended, by reason",
        labelNames: ["reason"],
      }),
  ),
  signalsDelivered: once(
    "bw_coordinator_signals_delivered_total",
    () =>
      new Counter({
        name: "bw_coordinator_signals_delivered_total",
        help: "Signals written to venue subscriptions",
        labelNames: ["kind"],
      }),
  ),
  issueToDelivery: once(
    "bw_coordinator_issue_to_delivery_seconds",
    () =>
      new Histogram({
        name: "bw_coordinator_issue_to_delivery_seconds",
        help: "Time from a signal's issued_at to its write to a live (caught-up) subscription",
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      }),
  ),
  acks: once(
    "bw_coordinator_acks_total",
    () =>
      new Counter({
        name: "bw_coordinator_acks_total",
        help: "Venue acks recorded, by state",
        labelNames: ["state"],
      }),
  ),
  rejectedRequests: once(
    "bw_coordinator_rejected_requests_total",
    () =>
      new Counter({
        name: "bw_coordinator_rejected_requests_total",
        help: "gRPC requests rejected as invalid, by method and status",
        labelNames: ["method", "status"],
      }),
  ),
};
