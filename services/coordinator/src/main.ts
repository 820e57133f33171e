import { ConfigError, runService } from "@breakwater/config";
import { SigningKeyError } from "@breakwater/core";
import { createLogger, initTracing, shutdownTracing } from "@breakwater/telemetry";
import { loadCoordinatorConfig } from "./config.js";
import { startCoordinator } from "./coordinator.js";
import { InvalidPolicyError } from "./policy-source.js";

runService("coordinator", async () => {
  const config = loadCoordinatorConfig();
  const log = createLogger("coordinator", config.logLevel);
  initTracing("coordinator");
  const coordinator = await startCoordinator(config, log).catch((err: unknown) => {
    // A bad policy file or signing key is a configuration problem: exit 2 naming it.
    if (err instanceof InvalidPolicyError) {
      throw new ConfigError(
        "coordinator",
        err.problems.map((p) => `policy ${err.path}: ${p}`),
      );
    }
    if (err instanceof SigningKeyError) throw new ConfigError("coordinator", [`signing key: ${err.message}`]);
    throw err;
  });
  return async () => {
    log.info("coordinator stopping");
    await coordinator.stop();
    await shutdownTracing();
  };
});
