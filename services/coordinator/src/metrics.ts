import { metricOnce } from "@breakwater/telemetry";
import { Counter, Gauge, Histogram } from "prom-client";

/** The coordinator's metrics, registered once per process in the default registry. */
export const coordinatorMetrics = {
  signalsAppended: metricOnce(
    "bw_coordinator_signals_appended_total",
    () =>
      new Counter({
        name: "bw_coordinator_signals_appended_total",
        help: "Signals appended to the signal log",
        labelNames: ["kind", "rule"],
      }),
  ),
  duplicateAppends: metricOnce(
    "bw_coordinator_duplicate_appends_total",
    () =>
      new Counter({
        name: "bw_coordinator_duplicate_appends_total",
        help: "Appends of a signal id already in the log (returned the original sequence)",
      }),
  ),
  appendSeconds: metricOnce(
    "bw_coordinator_append_seconds",
    () =>
      new Histogram({
        name: "bw_coordinator_append_seconds",
        help: "Time to append a signal to the log (including fenced retries)",
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      }),
  ),
  fencedAppends: metricOnce(
    "bw_coordinator_fenced_appends_total",
    () =>
      new Counter({
        name: "bw_coordinator_fenced_appends_total",
        help: "Appends rejected because the log moved past the writer's view",
      }),
  ),
  logSequence: metricOnce(
    "bw_coordinator_log_sequence",
    () => new Gauge({ name: "bw_coordinator_log_sequence", help: "Last signal log sequence read" }),
  ),
  logHoles: metricOnce(
    "bw_coordinator_log_holes_total",
    () =>
      new Counter({
        name: "bw_coordinator_log_holes_total",
        help: "Log entries that are not servable signals",
        labelNames: ["reason"],
      }),
  ),
  assessments: metricOnce(
    "bw_coordinator_assessments_total",
    () =>
      new Counter({
        name: "bw_coordinator_assessments_total",
        help: "Risk assessments consumed, by outcome",
        labelNames: ["outcome"],
      }),
  ),
  subscribers: metricOnce(
    "bw_coordinator_subscribers",
    () => new Gauge({ name: "bw_coordinator_subscribers", help: "Venue subscriptions currently open" }),
  ),
  subscribersDropped: metricOnce(
    "bw_coordinator_subscribers_dropped_total",
    () =>
      new Counter({
        name: "bw_coordinator_subscribers_dropped_total",
        help: "Subscriptions the coordinator ended, by reason",
        labelNames: ["reason"],
      }),
  ),
  signalsDelivered: metricOnce(
    "bw_coordinator_signals_delivered_total",
    () =>
      new Counter({
        name: "bw_coordinator_signals_delivered_total",
        help: "Signals written to venue subscriptions",
        labelNames: ["kind"],
      }),
  ),
  issueToDelivery: metricOnce(
    "bw_coordinator_issue_to_delivery_seconds",
    () =>
      new Histogram({
        name: "bw_coordinator_issue_to_delivery_seconds",
        help: "Time from a signal's issued_at to its write to a live (caught-up) subscription",
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      }),
  ),
  acks: metricOnce(
    "bw_coordinator_acks_total",
    () =>
      new Counter({
        name: "bw_coordinator_acks_total",
        help: "Venue acks recorded, by state",
        labelNames: ["state"],
      }),
  ),
  rejectedRequests: metricOnce(
    "bw_coordinator_rejected_requests_total",
    () =>
      new Counter({
        name: "bw_coordinator_rejected_requests_total",
        help: "gRPC requests rejected as invalid, by method and status",
        labelNames: ["method", "status"],
      }),
  ),
  isLeader: metricOnce(
    "bw_coordinator_is_leader",
    () =>
      new Gauge({ name: "bw_coordinator_is_leader", help: "1 while this replica holds the leader lease" }),
  ),
  leaderTerm: metricOnce(
    "bw_coordinator_leader_term",
    () =>
      new Gauge({
        name: "bw_coordinator_leader_term",
        help: "Term of the lease this replica holds (0 = follower)",
      }),
  ),
  leaderElections: metricOnce(
    "bw_coordinator_leader_elections_total",
    () =>
      new Counter({
        name: "bw_coordinator_leader_elections_total",
        help: "Times this replica acquired the lease",
      }),
  ),
  deposedAppends: metricOnce(
    "bw_coordinator_deposed_appends_total",
    () =>
      new Counter({
        name: "bw_coordinator_deposed_appends_total",
        help: "Appends refused because this replica lost the lease or a later term is in the log",
      }),
  ),
  policyReloads: metricOnce(
    "bw_coordinator_policy_reloads_total",
    () =>
      new Counter({
        name: "bw_coordinator_policy_reloads_total",
        help: "Policy file loads, by outcome (applied, rejected)",
        labelNames: ["outcome"],
      }),
  ),
  policyVersion: metricOnce(
    "bw_coordinator_policy_info",
    () =>
      new Gauge({
        name: "bw_coordinator_policy_info",
        help: "1 for the policy in force (label: its content hash)",
        labelNames: ["hash"],
      }),
  ),
  shadowDecisions: metricOnce(
    "bw_coordinator_shadow_decisions_total",
    () =>
      new Counter({
        name: "bw_coordinator_shadow_decisions_total",
        help: "Signals a shadow-mode rule would have issued (logged, not sent)",
        labelNames: ["rule", "kind"],
      }),
  ),
  unackedHalts: metricOnce(
    "bw_coordinator_unacked_halts_total",
    () =>
      new Counter({
        name: "bw_coordinator_unacked_halts_total",
        help: "Venues that had not acked a halt by its effective time",
        labelNames: ["venue"],
      }),
  ),
  unackedHaltsOpen: metricOnce(
    "bw_coordinator_unacked_halts",
    () =>
      new Gauge({
        name: "bw_coordinator_unacked_halts",
        help: "(venue, halt) pairs past effective time still without an ack",
      }),
  ),
  reconciled: metricOnce(
    "bw_coordinator_reconciled_decisions_total",
    () =>
      new Counter({
        name: "bw_coordinator_reconciled_decisions_total",
        help: "Decisions a new leader found missing from the log: issued (still owed) or lapsed (no longer in force)",
        labelNames: ["outcome", "rule"],
      }),
  ),
  unexpectedLogEntries: metricOnce(
    "bw_coordinator_unexpected_log_entries_total",
    () =>
      new Counter({
        name: "bw_coordinator_unexpected_log_entries_total",
        help: "Log entries a leader did not append during its term (a later term, or a foreign entry); each makes it step down",
        labelNames: ["reason"],
      }),
  ),
  rejectedAssessments: metricOnce(
    "bw_coordinator_rejected_assessments_total",
    () =>
      new Counter({
        name: "bw_coordinator_rejected_assessments_total",
        help: "Assessments dead-lettered before evaluation, by reason",
        labelNames: ["reason"],
      }),
  ),
  venueEvictions: metricOnce(
    "bw_coordinator_venue_evictions_total",
    () =>
      new Counter({
        name: "bw_coordinator_venue_evictions_total",
        help: "Venue records evicted from the bounded venue table (idle venues, least recently active first)",
      }),
  ),
  venues: metricOnce(
    "bw_coordinator_venues",
    () => new Gauge({ name: "bw_coordinator_venues", help: "Venue records held in the venue table" }),
  ),
};
