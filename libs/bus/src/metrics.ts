import { metricOnce } from "@breakwater/telemetry";
import { Counter, Gauge } from "prom-client";

/** Bus metrics, registered once per process in the default registry. */
export const busMetrics = {
  published: metricOnce(Counter, {
    name: "bw_bus_published_total",
    help: "Messages published to JetStream",
    labelNames: ["stream"],
  }),
  duplicates: metricOnce(Counter, {
    name: "bw_bus_duplicates_total",
    help: "Publishes JetStream dropped as duplicates (same Nats-Msg-Id)",
    labelNames: ["stream"],
  }),
  consumed: metricOnce(Counter, {
    name: "bw_bus_consumed_total",
    help: "Messages consumed and acknowledged",
    labelNames: ["consumer"],
  }),
  deadLetters: metricOnce(Counter, {
    name: "bw_bus_dead_letters_total",
    help: "Messages rejected as malformed and moved to a dead-letter subject",
    labelNames: ["service", "subject_kind"],
  }),
  deadLettersInFlight: metricOnce(Gauge, {
    name: "bw_bus_dead_letters_in_flight",
    help: "Dead letters published and not yet acknowledged by the stream (their originals are not acked yet)",
    labelNames: ["service"],
  }),
  handlerErrors: metricOnce(Counter, {
    name: "bw_bus_handler_errors_total",
    help: "Messages whose handler failed; they are redelivered",
    labelNames: ["consumer"],
  }),
  permissionDenied: metricOnce(Counter, {
    name: "bw_bus_permission_denied_total",
    help: "Operations NATS refused this service's identity (a publish or subscription outside its permissions)",
    labelNames: ["role", "operation"],
  }),
};
