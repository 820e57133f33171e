import { channelCredentialsOf, TlsConfigError, type TlsFiles } from "@breakwater/identity";
import {
  CoordinationServiceClient,
  type GetSigningKeysResponse,
  type ListSignalsResponse,
} from "@breakwater/proto";
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { FailureError, UnreachableError, UsageError } from "./errors.js";

/** host:port or [v6]:port. */
const ADDRESS = /^(?:[^\s:/[\]]+|\[[0-9a-fA-F:.]+\]):\d{1,5}$/;

/** Checks a `--coordinator` value. */
export function grpcAddress(text: string, flag: string): string {
  if (!ADDRESS.test(text)) throw new UsageError(`${flag}: "${text}" is not host:port (e.g. 127.0.0.1:50051)`);
  return text;
}

/** The CLI's error for a failed gRPC call: unreachable (exit 3) or refused (exit 1), with the server's message. */
export function grpcErrorOf(err: ServiceError, address: string, method: string): Error {
  // grpc-js appends an empty "Resolution note:" to connection errors
  const details = (err.details || err.message).replace(/\s*Resolution note:\s*$/, "");
  if (err.code === status.UNAVAILABLE)
    return new UnreachableError(`cannot reach the coordinator at ${address}: ${details}`);
  if (err.code === status.DEADLINE_EXCEEDED)
    return new UnreachableError(`the coordinator at ${address} did not answer ${method} in time`);
  return new FailureError(`the coordinator refused ${method}: ${status[err.code] ?? err.code}: ${details}`);
}

/** The `--tls-*` options every command that calls the coordinator's gRPC API takes. */
export interface CoordinatorTlsOptions {
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsCa?: string;
}

/** The TLS files the options name; a usage error when any is missing. */
export function coordinatorTlsOf(o: CoordinatorTlsOptions): TlsFiles {
  const missing = [
    ["--tls-cert", o.tlsCert],
    ["--tls-key", o.tlsKey],
    ["--tls-ca", o.tlsCa],
  ].filter(([, v]) => !v);
  if (missing.length > 0) {
    throw new UsageError(
      `the coordinator accepts only mutual TLS: give ${missing.map(([f]) => f).join(", ")} (a venue's or operator's certificate, its key and the CA bundle)`,
    );
  }
  return { certFile: o.tlsCert as string, keyFile: o.tlsKey as string, caFile: o.tlsCa as string };
}

/** The CoordinationService calls the CLI makes, with deadlines and CLI errors. */
export class CoordinatorClient {
  readonly raw: CoordinationServiceClient;

  constructor(
    readonly address: string,
    private readonly timeoutMs: number,
    tls: TlsFiles,
  ) {
    try {
      this.raw = new CoordinationServiceClient(address, channelCredentialsOf(tls));
    } catch (err) {
      if (err instanceof TlsConfigError) throw new UsageError(err.message);
      throw err;
    }
  }

  private deadline(): { deadline: Date } {
    return { deadline: new Date(Date.now() + this.timeoutMs) };
  }

  listSignals(afterSequence: number, limit: number): Promise<ListSignalsResponse> {
    return new Promise((resolve, reject) => {
      this.raw.listSignals({ afterSequence, limit }, new Metadata(), this.deadline(), (err, res) =>
        err ? reject(grpcErrorOf(err, this.address, "ListSignals")) : resolve(res),
      );
    });
  }

  getSigningKeys(): Promise<GetSigningKeysResponse> {
    return new Promise((resolve, reject) => {
      this.raw.getSigningKeys({}, new Metadata(), this.deadline(), (err, res) =>
        err ? reject(grpcErrorOf(err, this.address, "GetSigningKeys")) : resolve(res),
      );
    });
  }

  close(): void {
    this.raw.close();
  }
}
