import { Counter, register } from "prom-client";

function counter(name: string, help: string, labelNames: string[]): Counter {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Counter;
  return new Counter({ name, help, labelNames });
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
  handlerErrors: counter(
    "bw_bus_handler_errors_total",
    "Messages whose handler failed; they are redelivered",
    ["consumer"],
  ),
};
