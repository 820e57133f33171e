import { type Logger, pino } from "pino";

export type { Logger };

/** Credentials in a URL ("nats://user:password@host") become "***". */
export function redactUrlCredentials(text: string): string {
  return text.replace(/(\w+:\/\/)[^/@\s,]+@/g, "$1***@");
}

/**
 * A structured JSON logger for one service; level from `level` or $LOG_LEVEL. Credentials in the
 * NATS URL fields (`nats`, `natsUrl`) are never written.
 */
export function createLogger(
  service: string,
  level?: string,
  bindings: Record<string, unknown> = {},
): Logger {
  return pino({
    name: service,
    level: level ?? process.env["LOG_LEVEL"] ?? "info",
    base: { service, pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ["nats", "natsUrl"],
      censor: (value: unknown) => (typeof value === "string" ? redactUrlCredentials(value) : value),
    },
  });
}
