// The dashboard process: configuration from the environment, then startDashboard.
import { runService } from "@breakwater/config";
import { createLogger } from "@breakwater/telemetry";
import { loadDashboardConfig } from "./config.js";
import { startDashboard } from "./dashboard.js";

runService("dashboard", async () => {
  const config = loadDashboardConfig();
  const log = createLogger("dashboard", config.logLevel);
  const dashboard = await startDashboard(config, log);
  return async () => {
    log.info("dashboard stopping");
    await dashboard.stop();
  };
});
