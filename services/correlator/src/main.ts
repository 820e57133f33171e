// The correlator process: configuration from the environment, then startCorrelator.
import { runService } from "@breakwater/config";
import { createLogger, initTracing, shutdownTracing } from "@breakwater/telemetry";
import { SERVICE } from "./chain-event-pipeline.js";
import { loadCorrelatorConfig } from "./config.js";
import { startCorrelator } from "./correlator.js";

runService(SERVICE, async () => {
  const config = loadCorrelatorConfig();
  const log = createLogger(SERVICE, config.logLevel);
  initTracing(SERVICE);
  const correlator = await startCorrelator(config, log);
  void correlator.failed.then((err) => {
    log.fatal({ err: err.message }, "correlator cannot continue");
    process.exit(1);
  });
  return async () => {
    log.info("correlator stopping");
    await correlator.stop();
    await shutdownTracing();
  };
});
