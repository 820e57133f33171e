import {
  CoordinationServiceClient,
  type GetSigningKeysResponse,
  type ListSignalsResponse,
} from "@breakwater/proto";
import { credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
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

/** The CoordinationService calls the CLI makes, with deadlines and CLI errors. */
export class CoordinatorClient {
  readonly raw: CoordinationServiceClient;

  constructor(
    readonly address: string,
    private readonly timeoutMs: number,
  ) {
    this.raw = new CoordinationServiceClient(address, credentials.createInsecure());
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
