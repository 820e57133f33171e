import { concernsVenue, signalKindName, type VenueScope } from "@breakwater/core";
import type { SubscribeRequest, SubscribeResponse } from "@breakwater/proto";
import type { Logger } from "@breakwater/telemetry";
import { Metadata, type ServerWritableStream, type ServiceError, status } from "@grpc/grpc-js";
import { coordinatorMetrics } from "./metrics.js";
import type { SignalIndex } from "./signal-index.js";
import { type EncodedResponse, encodeBatchResponse, encodeSignalResponse } from "./wire.js";

/** The most items one batch carries, whatever a venue asks for. */
export const MAX_BATCH = 512;
/**
 * The most bytes of items one batch carries: well under gRPC's default 4 MiB
 * receive limit of a client; a larger signal goes alone, as it would unbatched.
 */
export const MAX_BATCH_BYTES = 1 << 20;

export interface SubscriptionOptions {
  /** An idle subscription gets a position marker this often. */
  readonly markerIntervalMs: number;
  /** In-scope signals a stalled subscriber may fall behind before its stream is ended. */
  readonly maxBacklog: number;
  readonly clock?: () => number;
}

export type SubscriptionEnd = "client_cancelled" | "slow_subscriber" | "shutdown" | "stream_error";

/**
 * One venue's subscription: walks the log from `after_sequence`, writes every
 * signal in the venue's scope (with the sequence of the previous one in scope),
 * then follows the log live. When idle it writes a position marker saying how
 * far the log has been checked. It writes only while the stream has room; a
 * venue that stops reading and falls `maxBacklog` signals behind is cut off
 * with RESOURCE_EXHAUSTED and resumes by sequence. A venue that asked for
 * batches (`max_batch` > 1) gets what is ready in as few writes as it allows:
 * entries the log gains while the event loop is busy (a burst's appends) are
 * written together once it has handled the I/O already waiting.
 */
export class VenueSubscription {
  /** Highest log sequence examined for this venue. */
  private scanned: number;
  /** Sequence of the last in-scope signal at or before `scanned`. */
  private previousInScope: number;
  private blocked = false;
  private caughtUp = false;
  private ended = false;
  private lastWriteAt: number;
  private readonly clock: () => number;
  private readonly timer: NodeJS.Timeout;
  private readonly unfollow: () => void;
  private readonly onEnd: Set<(reason: SubscriptionEnd) => void> = new Set();
  /** Items per write (1: no batches). */
  private readonly maxBatch: number;
  private pumpScheduled = false;

  constructor(
    private readonly call: ServerWritableStream<SubscribeRequest, SubscribeResponse>,
    readonly venueId: string,
    /** The venue's registered scope: it receives only signals within it. */
    private readonly scope: VenueScope,
    private readonly after: number,
    private readonly index: SignalIndex,
    private readonly opts: SubscriptionOptions,
    private readonly log: Logger,
    maxBatch = 0,
  ) {
    this.clock = opts.clock ?? Date.now;
    this.maxBatch = Math.min(MAX_BATCH, Math.max(1, Math.floor(maxBatch)));
    this.scanned = Math.min(after, index.last);
    this.previousInScope = index.previousInScope(venueId, this.scanned, scope);
    this.lastWriteAt = this.clock();
    this.unfollow = index.onEntry(() => this.onLogEntry());
    this.timer = setInterval(() => this.maybeMark(), Math.max(10, Math.floor(opts.markerIntervalMs / 2)));
    call.on("cancelled", () => this.end("client_cancelled"));
    call.on("error", (err) => {
      if (!this.ended) this.log.warn({ venue: venueId, err: String(err) }, "subscription stream failed");
      this.end("stream_error");
    });
    call.on("close", () => this.end("client_cancelled"));
  }

  /** Registers a callback for when the subscription ends, whatever the reason. */
  whenEnded(fn: (reason: SubscriptionEnd) => void): void {
    this.onEnd.add(fn);
  }

  /** Sends headers (so the venue knows it is subscribed) and starts the replay. */
  start(): void {
    this.call.sendMetadata(new Metadata());
    this.pump();
  }

  /** Ends the stream from the coordinator's side. */
  close(reason: "shutdown" | "slow_subscriber", details: string): void {
    if (this.ended) return;
    this.end(reason);
    const code = reason === "shutdown" ? status.UNAVAILABLE : status.RESOURCE_EXHAUSTED;
    const error: Partial<ServiceError> = { code, details, metadata: new Metadata() };
    // The stream's error handler turns this into the call's status and ends it
    // once the messages already handed to gRPC are flushed.
    this.call.emit("error", error);
  }

  private end(reason: SubscriptionEnd): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    this.unfollow();
    for (const fn of this.onEnd) fn(reason);
  }

  private onLogEntry(): void {
    if (this.ended) return;
    if (!this.blocked) {
      if (this.maxBatch === 1) this.pump();
      else if (!this.pumpScheduled) {
        // Entries appended in the same turn of the event loop go out together.
        this.pumpScheduled = true;
        setImmediate(() => {
          this.pumpScheduled = false;
          this.pump();
        });
      }
      return;
    }
    // Fewer entries than the limit past what was examined: no need to count those in scope.
    if (this.index.last - this.scanned <= this.opts.maxBacklog) return;
    const backlog = this.index.countInScope(this.venueId, this.scanned, this.scope);
    if (backlog > this.opts.maxBacklog) {
      coordinatorMetrics.subscribersDropped.inc({ reason: "slow_subscriber" });
      this.log.warn(
        { venue: this.venueId, scanned: this.scanned, backlog, maxBacklog: this.opts.maxBacklog },
        "venue is not reading its stream; ending the subscription",
      );
      this.close(
        "slow_subscriber",
        `subscriber fell ${backlog} signals behind (limit ${this.opts.maxBacklog}); ` +
          `resubscribe with after_sequence=${this.scanned}`,
      );
    }
  }

  /** Writes what the log holds past `scanned` until the stream pushes back. */
  private pump(): void {
    const batch: EncodedResponse[] = [];
    let batchBytes = 0;
    const flush = () => {
      if (batch.length === 0) return;
      this.write(batch.length === 1 ? batch[0]! : encodeBatchResponse(batch));
      batch.length = 0;
      batchBytes = 0;
    };
    while (!this.ended && !this.blocked && this.scanned < this.index.last) {
      const sequence = this.scanned + 1;
      const signal = this.index.get(sequence);
      this.scanned = sequence;
      if (!signal || !concernsVenue(signal, this.venueId, this.scope)) continue;
      const previous = this.previousInScope;
      this.previousInScope = sequence;
      if (sequence <= this.after) continue; // the venue already has it
      const response = encodeSignalResponse(signal, previous, this.index.traceOf(sequence));
      if (this.maxBatch === 1) this.write(response);
      else {
        if (batch.length > 0 && batchBytes + response.bytes.length > MAX_BATCH_BYTES) flush();
        if (this.blocked) {
          // The stream pushed back: this one waits for the drain, unscanned.
          this.scanned = sequence - 1;
          this.previousInScope = previous;
          break;
        }
        batch.push(response);
        batchBytes += response.bytes.length;
        if (batch.length >= this.maxBatch) flush();
      }
      coordinatorMetrics.signalsDelivered.inc({ kind: signalKindName(signal.kind) });
      if (this.caughtUp) {
        coordinatorMetrics.issueToDelivery.observe(Math.max(0, this.clock() - signal.issuedAtMs) / 1_000);
      }
    }
    // What gathered since the last full batch (a stream that pushed back has none pending).
    flush();
    if (!this.ended && !this.blocked && !this.caughtUp) {
      // Replay done: say at once how far the log was checked.
      this.caughtUp = true;
      this.mark();
    }
  }

  private maybeMark(): void {
    if (this.ended || this.blocked || this.scanned < this.index.last) return;
    if (this.clock() - this.lastWriteAt >= this.opts.markerIntervalMs) this.mark();
  }

  private mark(): void {
    this.write({
      item: { $case: "marker", value: { logSequence: this.scanned, atMs: this.clock() } },
      previousInScope: this.previousInScope,
      traceparent: "",
      batch: undefined,
    });
  }

  private write(response: SubscribeResponse | EncodedResponse): void {
    this.lastWriteAt = this.clock();
    // Pre-encoded responses pass through the service's serializer (grpc-server.ts).
    if (!this.call.write(response as SubscribeResponse)) {
      this.blocked = true;
      this.call.once("drain", () => {
        this.blocked = false;
        this.pump();
      });
    }
  }
}
