import type { Bus } from "@breakwater/bus";
import { InvalidRequestError, PermissionDeniedError, UnauthenticatedError } from "@breakwater/core";
import { principalOfCall } from "@breakwater/identity";
import { type ExposureServiceServer, ExposureServiceService } from "@breakwater/proto";
import { grpcStatusOf, type Logger, logRequestFailure, publicMessageOf } from "@breakwater/telemetry";
import {
  Server,
  type ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import type { CorrelatorState } from "./correlator-state.js";
import { filterOfRequest } from "./exposure-query.js";
import { listHistory } from "./history.js";
import { correlatorMetrics } from "./metrics.js";
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
  /** Mutual TLS credentials (see @breakwater/identity serverCredentialsOf). */
  readonly credentials: ServerCredentials;
  readonly trustDomain: string;
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

/** Who may read exposure and run stress tests over gRPC: not venues (they are served by the coordinator). */
const READER_ROLES = new Set(["researcher", "operator", "admin", "service"]);

/**
 * `breakwater.v1.ExposureService` over grpc-js, mutual TLS only: the same
 * snapshot the HTTP API serves. A caller without a verified Breakwater
 * identity → UNAUTHENTICATED, a venue identity → PERMISSION_DENIED (each
 * counted by reason); invalid filters → INVALID_ARGUMENT naming the field;
 * before the state is rebuilt → UNAVAILABLE.
 */
export async function startExposureGrpc(opts: ExposureGrpcOptions): Promise<ExposureGrpc> {
  const clock = opts.clock ?? Date.now;
  /** One unary handler: readiness, then the query; a failure answers with its status (InvalidRequestError → INVALID_ARGUMENT "field: reason"). */
  const unary =
    <Req, Res>(name: string, answer: (req: Req, nowMs: number) => Res | Promise<Res>, needsState = true) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      try {
        const caller = principalOfCall(call, opts.trustDomain);
        if (!READER_ROLES.has(caller.role)) {
          throw new PermissionDeniedError(
            "wrong_role",
            `identity ${caller.uri} (role ${caller.role}) may not read the exposure API; researcher, operator or admin may`,
          );
        }
      } catch (err) {
        const reason =
          err instanceof UnauthenticatedError || err instanceof PermissionDeniedError ? err.reason : "other";
        correlatorMetrics.authRefusals.inc({ method: name, reason });
        logRequestFailure(opts.log, err, { method: name });
        callback({ code: grpcStatusOf(err), details: publicMessageOf(err) }, null);
        return;
      }
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
    listHistory: unary(
      "ListHistory",
      (req) => {
        if (!opts.bus) throw new InvalidRequestError("from", "history is not available");
        return listHistory(opts.bus, req, opts.log);
      },
      false,
    ),
    runStress: unary("RunStress", (req, now) => runStress(state, req, now)),
    getGreeks: unary("GetGreeks", (req, now) => greeks(state, req, now)),
  };
  const server = new Server();
  server.addService(ExposureServiceService, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${opts.host}:${opts.port}`, opts.credentials, (err, bound) =>
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
