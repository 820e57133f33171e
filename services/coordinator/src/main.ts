import { runService } from "@breakwater/config";
import { createLogger, initTracing, shutdownTracing } from "@breakwater/telemetry";
import { loadCoordinatorConfig } from "./config.js";
import { startCoordinator } from "./coordinator.js";

runService("coordinator", async () => {
  const config = loadCoordinatorConfig();
  const log = createLogger("coordinator", config.logLevel);
  initTracing("coordinator");
  const coordinator = await startCoordinator(config, log);
  return async () => {
    log.info("coordinator stopping");
    await coordinator.stop();
    await shutdownTracing();
  };
});
