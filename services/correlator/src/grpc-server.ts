import { type ExposureServiceServer, ExposureServiceService } from "@breakwater/proto";
import type { Logger } from "@breakwater/telemetry";
import { Server, ServerCredentials, status } from "@grpc/grpc-js";
import type { CorrelatorState } from "./correlator-state.js";
import { filterOfRequest, QueryError } from "./exposure-query.js";

export interface ExposureGrpcOptions {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  readonly state: CorrelatorState;
  readonly notReadyReason: () => string | undefined;
  readonly log: Logger;
  readonly clock?: () => number;
}

export interface ExposureGrpc {
  /** host:port actually bound. */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `breakwater.v1.ExposureService` over grpc-js: the same snapshot the HTTP
 * API serves. Invalid filters → INVALID_ARGUMENT naming the field; before the
 * state is rebuilt → UNAVAILABLE.
 */
export async function startExposureGrpc(opts: ExposureGrpcOptions): Promise<ExposureGrpc> {
  const clock = opts.clock ?? Date.now;
  const impl: ExposureServiceServer = {
    getExposure(call, callback) {
      const notReady = opts.notReadyReason();
      if (notReady) {
        callback({ code: status.UNAVAILABLE, details: `not ready: ${notReady}` }, null);
        return;
      }
      try {
        const snapshot = opts.state.snapshot(filterOfRequest(call.request), clock());
        callback(null, { snapshot });
      } catch (err) {
        if (err instanceof QueryError) {
          callback({ code: status.INVALID_ARGUMENT, details: err.message }, null);
          return;
        }
        opts.log.error({ err: String(err) }, "GetExposure failed");
        callback({ code: status.INTERNAL, details: "internal error" }, null);
      }
    },
  };
  const server = new Server();
  server.addService(ExposureServiceService, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${opts.host}:${opts.port}`, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    address: `${opts.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
