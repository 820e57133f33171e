import { type CoordinationServiceServer, CoordinationServiceService } from "@breakwater/proto";
import { Server, type ServerCredentials } from "@grpc/grpc-js";
import { serializeSubscribeResponse } from "./wire.js";

/** The generated definition, except that Subscribe responses may be pre-encoded (see wire.ts). */
const SERVICE = {
  ...CoordinationServiceService,
  subscribe: { ...CoordinationServiceService.subscribe, responseSerialize: serializeSubscribeResponse },
} as typeof CoordinationServiceService;

export interface GrpcServer {
  readonly server: Server;
  /** host:port with the port actually bound. */
  readonly address: string;
  readonly port: number;
  /** Stops accepting calls and waits for open calls up to `graceMs`, then forces them closed. */
  stop(graceMs?: number): Promise<void>;
}

/** Server keepalive: ping idle connections, drop dead ones, accept the SDK's pings. */
export const SERVER_OPTIONS = {
  "grpc.keepalive_time_ms": 20_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.http2.min_ping_interval_without_data_ms": 5_000,
} as const;

/**
 * Serves the CoordinationService on host:port (0 = any free port) with the
 * given (mutual TLS) credentials; a request larger than `maxRequestBytes` is
 * refused with RESOURCE_EXHAUSTED before it reaches a handler.
 */
export async function startGrpcServer(
  host: string,
  port: number,
  service: CoordinationServiceServer,
  credentials: ServerCredentials,
  maxRequestBytes = 64 * 1024,
): Promise<GrpcServer> {
  const server = new Server({ ...SERVER_OPTIONS, "grpc.max_receive_message_length": maxRequestBytes });
  server.addService(SERVICE, service);
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, credentials, (err, actual) => (err ? reject(err) : resolve(actual)));
  });
  return {
    server,
    port: bound,
    address: `${host}:${bound}`,
    stop: (graceMs = 2_000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
