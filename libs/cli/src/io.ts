/** Where a command writes and what it reads from its environment; tests give their own. */
export interface Io {
  /** Results: tables or JSON. */
  out(text: string): void;
  /** Progress, warnings and errors. */
  err(text: string): void;
  /** Whether `err` goes to a terminal (progress bars are drawn only there). */
  readonly errIsTty?: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  now(): number;
  /**
   * Handles SIGINT/SIGTERM while registered (a long-running command stops and
   * reports); returns the function that unregisters it. Without a handler an
   * interrupt ends the process at once with exit code 130.
   */
  onInterrupt(handler: () => void): () => void;
}

/** Exit code of a command interrupted before it finished (128 + SIGINT). */
export const INTERRUPTED_EXIT_CODE = 130;

/** The process's own streams, environment and signals. */
export function processIo(): Io {
  const handlers = new Set<() => void>();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    // a second interrupt, or nothing to stop gracefully: leave now
    if (interrupts > 1 || handlers.size === 0) process.exit(INTERRUPTED_EXIT_CODE);
    for (const h of [...handlers]) h();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    errIsTty: process.stderr.isTTY === true,
    env: process.env,
    now: Date.now,
    onInterrupt(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
}
