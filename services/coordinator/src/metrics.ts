import { metricOnce } from "@breakwater/telemetry";
import { Counter, Gauge, Histogram } from "prom-client";

/** The coordinator's metrics, registered once per process in the default registry. */
export const coordinatorMetrics = {
  signalsAppended: metricOnce(Counter, {
    name: "bw_coordinator_signals_appended_total",
    help: "Signals appended to the signal log",
    labelNames: ["kind", "rule"],
  }),
  duplicateAppends: metricOnce(Counter, {
    name: "bw_coordinator_duplicate_appends_total",
    help: "Appends of a signal id already in the log (returned the original sequence)",
  }),
  appendSeconds: metricOnce(Histogram, {
    name: "bw_coordinator_append_seconds",
    help: "Time to append a signal to the log (including fenced retries)",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  }),
  burstSize: metricOnce(Histogram, {
    name: "bw_coordinator_append_burst_size",
    help: "Appends one pipelined round put in flight at once",
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 512],
  }),
  burstRefusals: metricOnce(Counter, {
    name: "bw_coordinator_append_burst_refusals_total",
    help: "Pipelined rounds cut short because the stream refused an append (the rest of the round is refused with it)",
    labelNames: ["reason"] as const,
  }),
  fencedAppends: metricOnce(Counter, {
    name: "bw_coordinator_fenced_appends_total",
    help: "Appends rejected because the log moved past the writer's view",
  }),
  logSequence: metricOnce(Gauge, {
    name: "bw_coordinator_log_sequence",
    help: "Last signal log sequence read",
  }),
  logHoles: metricOnce(Counter, {
    name: "bw_coordinator_log_holes_total",
    help: "Log entries that are not servable signals",
    labelNames: ["reason"],
  }),
  assessments: metricOnce(Counter, {
    name: "bw_coordinator_assessments_total",
    help: "Risk assessments consumed, by outcome",
    labelNames: ["outcome"],
  }),
  subscribers: metricOnce(Gauge, {
    name: "bw_coordinator_subscribers",
    help: "Venue subscriptions currently open",
  }),
  subscribersDropped: metricOnce(Counter, {
    name: "bw_coordinator_subscribers_dropped_total",
    help: "Subscriptions the coordinator ended, by reason",
    labelNames: ["reason"],
  }),
  signalsDelivered: metricOnce(Counter, {
    name: "bw_coordinator_signals_delivered_total",
    help: "Signals written to venue subscriptions",
    labelNames: ["kind"],
  }),
  issueToDelivery: metricOnce(Histogram, {
    name: "bw_coordinator_issue_to_delivery_seconds",
    help: "Time from a signal's issued_at to its write to a live (caught-up) subscription",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }),
  acks: metricOnce(Counter, {
    name: "bw_coordinator_acks_total",
    help: "Venue acks recorded, by state",
    labelNames: ["state"],
  }),
  authRefusals: metricOnce(Counter, {
    name: "bw_coordinator_auth_refusals_total",
    help: "gRPC calls refused for their caller's identity or limits, by method and reason",
    labelNames: ["method", "reason"],
  }),
  manualRequests: metricOnce(Counter, {
    name: "bw_coordinator_manual_requests_total",
    help: "Manual operator requests by action and outcome (issued, awaiting_approval, same_operator, expired)",
    labelNames: ["action", "outcome"],
  }),
  httpAuthRefusals: metricOnce(Counter, {
    name: "bw_coordinator_http_auth_refusals_total",
    help: "HTTP requests refused for their bearer token or role, by reason",
    labelNames: ["reason"],
  }),
  rejectedRequests: metricOnce(Counter, {
    name: "bw_coordinator_rejected_requests_total",
    help: "gRPC requests rejected as invalid, by method and status",
    labelNames: ["method", "status"],
  }),
  isLeader: metricOnce(Gauge, {
    name: "bw_coordinator_is_leader",
    help: "1 while this replica holds the leader lease",
  }),
  leaderTerm: metricOnce(Gauge, {
    name: "bw_coordinator_leader_term",
    help: "Term of the lease this replica holds (0 = follower)",
  }),
  leaderElections: metricOnce(Counter, {
    name: "bw_coordinator_leader_elections_total",
    help: "Times this replica acquired the lease",
  }),
  deposedAppends: metricOnce(Counter, {
    name: "bw_coordinator_deposed_appends_total",
    help: "Appends refused because this replica lost the lease or a later term is in the log",
  }),
  policyReloads: metricOnce(Counter, {
    name: "bw_coordinator_policy_reloads_total",
    help: "Policy file loads, by outcome (applied, rejected)",
    labelNames: ["outcome"],
  }),
  policyVersion: metricOnce(Gauge, {
    name: "bw_coordinator_policy_info",
    help: "1 for the policy in force (label: its content hash)",
    labelNames: ["hash"],
  }),
  shadowDecisions: metricOnce(Counter, {
    name: "bw_coordinator_shadow_decisions_total",
    help: "Signals a shadow-mode rule would have issued (logged, not sent)",
    labelNames: ["rule", "kind"],
  }),
  unackedHalts: metricOnce(Counter, {
    name: "bw_coordinator_unacked_halts_total",
    help: "Venues that had not acked a halt by its effective time",
    labelNames: ["venue"],
  }),
  unackedHaltsOpen: metricOnce(Gauge, {
    name: "bw_coordinator_unacked_halts",
    help: "(venue, halt) pairs past effective time still without an ack",
  }),
  reconciled: metricOnce(Counter, {
    name: "bw_coordinator_reconciled_decisions_total",
    help: "Decisions a new leader found missing from the log: issued (still owed) or lapsed (no longer in force)",
    labelNames: ["outcome", "rule"],
  }),
  unexpectedLogEntries: metricOnce(Counter, {
    name: "bw_coordinator_unexpected_log_entries_total",
    help: "Log entries a leader did not append during its term (a later term, or a foreign entry); each makes it step down",
    labelNames: ["reason"],
  }),
  rejectedAssessments: metricOnce(Counter, {
    name: "bw_coordinator_rejected_assessments_total",
    help: "Assessments dead-lettered before evaluation, by reason",
    labelNames: ["reason"],
  }),
  venueEvictions: metricOnce(Counter, {
    name: "bw_coordinator_venue_evictions_total",
    help: "Venue records evicted from the bounded venue table (idle venues, least recently active first)",
  }),
  venues: metricOnce(Gauge, { name: "bw_coordinator_venues", help: "Venue records held in the venue table" }),
};
