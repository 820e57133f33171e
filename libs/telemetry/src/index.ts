// Logs (pino), metrics (prom-client) with /metrics, /healthz, /readyz, and traces (OpenTelemetry).

export { grpcStatusOf, httpStatusOf, logRequestFailure, publicMessageOf } from "./error-status.js";
export type { Route, ServiceHttp, ServiceHttpOptions } from "./http-server.js";
export { sendJson, startServiceHttp } from "./http-server.js";
export type { Logger } from "./logger.js";
export { createLogger, redactUrlCredentials } from "./logger.js";
export { metricOnce } from "./metric-once.js";
export { contextOfTraceparent, initTracing, inSpan, shutdownTracing, traceparentOf } from "./tracing.js";
