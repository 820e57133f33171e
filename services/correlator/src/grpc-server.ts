import type { Bus } from "@breakwater/bus";
import { InvalidRequestError } from "@breakwater/core";
import { type ExposureServiceServer, ExposureServiceService } from "@breakwater/proto";
import { grpcStatusOf, type Logger, logRequestFailure, publicMessageOf } from "@breakwater/telemetry";
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData, status } from "@grpc/grpc-js";
import type { CorrelatorState } from "./correlator-state.js";
import { filterOfRequest } from "./exposure-query.js";
import {
  assetRisk,
  chainFreshness,
  greeks,
  ladder,
  referencePrices,
  runStress,
  volatility,
} from "./research-queries.js";
import { listSnapshots } from "./snapshot-history.js";

export interface ExposureGrpcOptions {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  readonly state: CorrelatorState;
  readonly notReadyReason: () => string | undefined;
  readonly log: Logger;
  /** For ListSnapshots; without it (tests only) the call is refused as INVALID_ARGUMENT "from_ms: snapshot history is not available". */
  readonly bus?: Bus;
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
  /** One unary handler: readiness, then the query; a failure answers with its status (InvalidRequestError → INVALID_ARGUMENT "field: reason"). */
  const unary =
    <Req, Res>(name: string, answer: (req: Req, nowMs: number) => Res | Promise<Res>, needsState = true) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const notReady = needsState ? opts.notReadyReason() : undefined;
      if (notReady) {
        callback({ code: status.UNAVAILABLE, details: `not ready: ${notReady}` }, null);
        return;
      }
      Promise.resolve()
        .then(() => answer(call.request, clock()))
        .then(
          (res) => callback(null, res),
          (err: unknown) => {
            logRequestFailure(opts.log, err, { method: name });
            callback({ code: grpcStatusOf(err), details: publicMessageOf(err) }, null);
          },
        );
    };
  const { state } = opts;
  const impl: ExposureServiceServer = {
    getExposure: unary("GetExposure", (req, now) => ({
      snapshot: state.snapshot(filterOfRequest(req), now),
    })),
    getAssetRisk: unary("GetAssetRisk", (req, now) => assetRisk(state, req, now)),
    getLadder: unary("GetLadder", (req, now) => ladder(state, req, now)),
    getReferencePrices: unary("GetReferencePrices", (req, now) => referencePrices(state, req, now)),
    getVolatility: unary("GetVolatility", (req, now) => volatility(state, req, now)),
    getChainFreshness: unary("GetChainFreshness", (req, now) => chainFreshness(state, req, now)),
    listSnapshots: unary(
      "ListSnapshots",
      (req) => {
        if (!opts.bus) throw new InvalidRequestError("from_ms", "snapshot history is not available");
        return listSnapshots(opts.bus, req);
      },
      false,
    ),
    runStress: unary("RunStress", (req, now) => runStress(state, req, now)),
    getGreeks: unary("GetGreeks", (req, now) => greeks(state, req, now)),
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
