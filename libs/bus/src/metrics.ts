import { Counter, Gauge, register } from "prom-client";

function counter(name: string, help: string, labelNames: string[]): Counter {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Counter;
  return new Counter({ name, help, labelNames });
}

function gauge(name: string, help: string, labelNames: string[]): Gauge {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Gauge;
  return new Gauge({ name, help, labelNames });
}

/** Bus metrics, registered once per process in the default registry. */
export const busMetrics = {
  published: counter("bw_bus_published_total", "Messages published to JetStream", ["stream"]),
  duplicates: counter(
    "bw_bus_duplicates_total",
    "Publishes JetStream dropped as duplicates (same Nats-Msg-Id)",
    ["stream"],
  ),
  consumed: counter("bw_bus_consumed_total", "Messages consumed and acknowledged", ["consumer"]),
  deadLetters: counter(
    "bw_bus_dead_letters_total",
    "Messages rejected as malformed and moved to a dead-letter subject",
    ["service", "subject_kind"],
  ),
  deadLettersInFlight: gauge(
    "bw_bus_dead_letters_in_flight",
    "Dead letters published and not yet acknowledged by the stream (their originals are not acked yet)",
    ["service"],
  ),
  handlerErrors: counter(
    "bw_bus_handler_errors_total",
    "Messages whose handler failed; they are redelivered",
    ["consumer"],
  ),
};
