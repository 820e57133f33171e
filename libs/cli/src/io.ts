/** Where a command writes and what it reads from its environment; tests give their own. */
export interface Io {
  /** Results: tables or JSON. */
  out(text: string): void;
  /** Progress, warnings and errors. */
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  now(): number;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop and report. */
  readonly interrupted: AbortSignal;
}

/** The process's own streams, environment and signals. */
export function processIo(): Io {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    now: Date.now,
    interrupted: controller.signal,
  };
}
