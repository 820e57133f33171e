import { type Logger, pino } from "pino";

export type { Logger };

/** A structured JSON logger for one service; level from `level` or $LOG_LEVEL. */
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
  });
}
