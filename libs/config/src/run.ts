import { ConfigError } from "./load.js";

/** Exit code for a configuration that cannot be used. */
export const EXIT_INVALID_CONFIG = 2;

export type Stop = () => Promise<void>;

/**
 * Runs a service's main: an invalid configuration exits 2 listing every
 * problem; SIGTERM/SIGINT call the returned stop function and exit 0; any
 * other start-up failure exits 1.
 */
export function runService(service: string, main: () => Promise<Stop>): void {
  main().then(
    (stop) => {
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        const timer = setTimeout(() => {
          process.stderr.write(`${service}: shutdown after ${signal} took too long; exiting\n`);
          process.exit(1);
        }, 10_000);
        timer.unref();
        stop().then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`${service}: error during shutdown: ${String(err)}\n`);
            process.exit(1);
          },
        );
      };
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      process.once("SIGINT", () => shutdown("SIGINT"));
    },
    (err: unknown) => {
      if (err instanceof ConfigError) {
        process.stderr.write(`${err.message}\n`);
        process.exit(EXIT_INVALID_CONFIG);
      }
      process.stderr.write(
        `${service}: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
