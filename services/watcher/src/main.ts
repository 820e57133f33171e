// One watcher process follows one chain:
//   node --import tsx services/watcher/src/main.ts --chain sim-a
import { runService } from "@breakwater/config";
import { createLogger, initTracing, shutdownTracing } from "@breakwater/telemetry";
import { loadWatcherConfig } from "./config.js";
import { startWatcher } from "./watcher.js";

runService("watcher", async () => {
  const config = loadWatcherConfig();
  const log = createLogger("watcher", config.logLevel);
  initTracing("watcher");
  const watcher = await startWatcher(config, log);
  void watcher.failed.then(async (err) => {
    log.fatal({ chain: watcher.chain, err: err.message }, "watcher cannot continue");
    await shutdownTracing();
    process.exit(1);
  });
  return async () => {
    await watcher.stop();
    await shutdownTracing();
  };
});
