import { ackStateName } from "@breakwater/core";
import type { AckState, CoordinationServiceClient } from "@breakwater/proto";
import { type ServiceError, status } from "@grpc/grpc-js";
import { type Context, context } from "@opentelemetry/api";
import { Backoff } from "./backoff.js";
import { AckFailedError } from "./errors.js";
import { traceMetadata } from "./trace-context.js";

/** Codes worth retrying: the coordinator was unreachable or restarting. */
const RETRYABLE = new Set<number>([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.INTERNAL,
  status.UNKNOWN,
  status.ABORTED,
]);

export interface AckRequestInput {
  readonly sequence: number;
  readonly state: AckState;
  readonly detail?: string;
}

export interface AckSenderOptions {
  readonly venueId: string;
  readonly attempts?: number;
  readonly timeoutMs?: number;
  readonly onAcked: (sequence: number, state: AckState) => void;
  readonly onFailed: (error: AckFailedError) => void;
}

/**
 * Sends acks one at a time, in the order they were queued (so APPLIED never
 * overtakes RECEIVED), retrying transient failures with backoff. Acks are
 * idempotent on the coordinator, so a retry never double counts. Each is sent
 * once the event loop has handled the I/O already waiting, so acking a signal
 * never delays handling the next one.
 */
export class AckSender {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly client: CoordinationServiceClient,
    private readonly opts: AckSenderOptions,
  ) {}

  /** Queues an ack; resolves true once recorded, false if it failed (reported via onFailed). */
  send(ack: AckRequestInput): Promise<boolean> {
    // The ack continues the trace of whatever sent it (the SDK's handling of the signal).
    const ctx = context.active();
    const result = this.tail.then(() => this.deliver(ack, ctx));
    this.tail = result.then(() => undefined);
    return result;
  }

  /** Waits for queued acks (at most `timeoutMs`), then refuses new attempts. */
  async drain(timeoutMs = 2_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.tail, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.closed = true;
  }

  private async deliver(ack: AckRequestInput, ctx: Context): Promise<boolean> {
    // Off the signal's critical path: the ack is sent after the I/O already waiting is handled
    // (the next signals on this stream, other streams of this process), not in between.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const attempts = this.opts.attempts ?? 6;
    const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 2_000 });
    let last: ServiceError | undefined;
    for (let attempt = 1; attempt <= attempts && !this.closed; attempt++) {
      try {
        await this.call(ack, ctx);
        this.opts.onAcked(ack.sequence, ack.state);
        return true;
      } catch (err) {
        last = err as ServiceError;
        if (!RETRYABLE.has(last.code) || attempt === attempts) break;
        await new Promise((r) => setTimeout(r, backoff.next()));
      }
    }
    this.opts.onFailed(
      new AckFailedError(
        ack.sequence,
        ackStateName(ack.state),
        last?.code,
        last?.details ?? (this.closed ? "client closed" : "unknown error"),
        last,
      ),
    );
    return false;
  }

  private call(ack: AckRequestInput, ctx: Context): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.ack(
        { venueId: this.opts.venueId, sequence: ack.sequence, state: ack.state, detail: ack.detail ?? "" },
        traceMetadata(ctx),
        { deadline: Date.now() + (this.opts.timeoutMs ?? 5_000) },
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }
}
