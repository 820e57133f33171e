// The Kafka exporter process: configuration from the environment, then startKafkaExporter.
import { runService } from "@breakwater/config";
import { createLogger, initTracing, shutdownTracing } from "@breakwater/telemetry";
import { loadKafkaExporterConfig } from "./config.js";
import { startKafkaExporter } from "./kafka-exporter.js";
import { SERVICE } from "./stream-export.js";

runService(SERVICE, async () => {
  const config = loadKafkaExporterConfig();
  const log = createLogger(SERVICE, config.logLevel);
  initTracing(SERVICE);
  const exporter = await startKafkaExporter(config, log);
  void exporter.failed.then((err) => {
    log.fatal({ err: err.message }, "kafka-exporter cannot continue");
    process.exit(1);
  });
  return async () => {
    log.info("kafka-exporter stopping");
    await exporter.stop();
    await shutdownTracing();
  };
});
