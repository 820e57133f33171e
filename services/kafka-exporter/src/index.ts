// The Kafka exporter: the signal log, venue acks and exposure snapshots mirrored into Kafka topics.

export type { Exported, KafkaExporterConfig } from "./config.js";
export { EXPORTABLE, kafkaExporterConfigSchema, loadKafkaExporterConfig } from "./config.js";
export type { RunningKafkaExporter } from "./kafka-exporter.js";
export { startKafkaExporter } from "./kafka-exporter.js";
export { KafkaProduceError, KafkaSink, kafkaClientConfigOf } from "./kafka-sink.js";
