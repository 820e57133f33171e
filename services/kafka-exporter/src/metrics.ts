import { metricOnce } from "@breakwater/telemetry";
import { Counter, Gauge, Histogram } from "prom-client";

/** The Kafka exporter's metrics (default registry; `bw_kafka_exporter_` prefix). */
export const exporterMetrics = {
  exported: metricOnce(Counter, {
    name: "bw_kafka_exporter_messages_exported_total",
    help: "Stream messages written to Kafka and then acked on NATS, by stream",
    labelNames: ["stream"],
  }),
  records: metricOnce(Counter, {
    name: "bw_kafka_exporter_records_total",
    help: "Kafka records produced (a snapshot split by asset or venue is several), by topic",
    labelNames: ["topic"],
  }),
  redelivered: metricOnce(Counter, {
    name: "bw_kafka_exporter_redelivered_skipped_total",
    help: "Redeliveries of a stream message this process had already exported (acked again, not produced twice)",
    labelNames: ["stream"],
  }),
  rejected: metricOnce(Counter, {
    name: "bw_kafka_exporter_rejected_total",
    help: "Stream messages dead-lettered instead of exported, by stream and reason (malformed, kafka_refused)",
    labelNames: ["stream", "reason"],
  }),
  produceFailures: metricOnce(Counter, {
    name: "bw_kafka_exporter_produce_failures_total",
    help: "Produce attempts Kafka did not acknowledge (retried until giveUpAfterMs), by topic",
    labelNames: ["topic"],
  }),
  produceSeconds: metricOnce(Histogram, {
    name: "bw_kafka_exporter_produce_seconds",
    help: "Time from produce to the brokers' acknowledgement, by topic",
    labelNames: ["topic"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  }),
  lastSequence: metricOnce(Gauge, {
    name: "bw_kafka_exporter_last_exported_sequence",
    help: "Stream sequence of the newest message done with (exported, or dead-lettered as a record Kafka refused), by stream",
    labelNames: ["stream"],
  }),
};
