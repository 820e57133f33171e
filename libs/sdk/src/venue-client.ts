import { EventEmitter } from "node:events";
import { isVenueId } from "@breakwater/core";
import { channelCredentialsOf, type TlsFiles } from "@breakwater/identity";
import {
  AckState,
  CoordinationServiceClient,
  type PositionMarker,
  type Signal,
  type SubscribeResponse,
} from "@breakwater/proto";
import { type ChannelCredentials, type ClientReadableStream, type ServiceError, status } from "@grpc/grpc-js";
import { type Context, context } from "@opentelemetry/api";
import { AckSender } from "./ack-sender.js";
import { Backoff } from "./backoff.js";
import { ContinuityTracker } from "./continuity.js";
import {
  type AckFailedError,
  ContinuityGapError,
  HandlerFailedError,
  InvalidClientOptionsError,
  SignatureError,
  SubscriptionLostError,
  type VenueClientError,
} from "./errors.js";
import { SignatureCheck, type SignatureOptions } from "./signature-check.js";
import { type ClockSkew, checkTiming, type LateDelivery } from "./timing.js";
import { contextOfTraceparent, inSdkSpan } from "./trace-context.js";

/** What the client knows about one delivery of a signal. */
export interface Delivery {
  readonly signal: Signal;
  /** The venue's clock when the signal arrived. */
  readonly receivedAtMs: number;
  /** Sequence of the previous signal in this venue's scope. */
  readonly previousInScope: number;
  /** It arrived after `effective_at`: apply it at once. */
  readonly late: boolean;
  /** It arrived after `expires_at`: the action is already over (typical after a long outage). */
  readonly expired: boolean;
}

/**
 * The application's handler. It is called once per signal, in sequence order,
 * never twice for the same sequence; the next signal waits until it returns.
 * When it returns the client acks RECEIVED; throwing acks REJECTED. Apply the
 * signal at its effective time with {@link VenueClient.applyAt}, which acks APPLIED.
 */
export type SignalHandler = (signal: Signal, delivery: Delivery) => void | Promise<void>;

export interface VenueClientOptions {
  /** Coordinator address, `host:port`. */
  readonly address: string;
  readonly venueId: string;
  readonly handler: SignalHandler;
  /** Last log sequence the venue processed (from its own storage); 0 replays the whole log. */
  readonly afterSequence?: number;
  /** Last in-scope sequence the venue processed, if it stored it; lets the first signal be checked. */
  readonly lastInScope?: number;
  /**
   * Signals the coordinator may send in one response (default 256; 1: one at
   * a time). Each is still checked, handled and acked on its own, in order.
   */
  readonly maxBatch?: number;
  /**
   * The venue's mutual TLS identity: its client certificate (whose
   * spiffe://breakwater/venue/<id> URI is its identity at the coordinator), its
   * key, and the CA bundle the coordinator's certificate must chain to. The
   * files are re-read periodically, so a renewed certificate is picked up
   * without a restart. Required unless `credentials` is given.
   */
  readonly tls?: TlsFiles;
  /** Ready-made channel credentials instead of `tls` (tests against a stand-in coordinator). */
  readonly credentials?: ChannelCredentials;
  /** Reconnect backoff (ms): default 100 doubling to 5000, with jitter. */
  readonly reconnect?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /** `issued_at` further than this ahead of the venue's clock is reported as clock skew. Default 1000. */
  readonly maxClockSkewMs?: number;
  /** Reconnect when nothing (not even a marker) arrives for this long. Default 15000. */
  readonly idleTimeoutMs?: number;
  /** Ack RECEIVED after the handler returns. Default true. */
  readonly autoAck?: boolean;
  /** The venue's clock. Default Date.now. */
  readonly clock?: () => number;
  /**
   * Signature verification. When set, a signal must be signed by a pinned key
   * (or, with `fetchFromCoordinator`, a key the coordinator publishes): one that
   * fails is never handed to the handler, is acked REJECTED and reported as a
   * `SignatureError`. When absent, signatures are not checked.
   */
  readonly signatures?: SignatureOptions;
}

/** Events a {@link VenueClient} emits. */
export interface VenueClientEvents {
  /** The coordinator accepted the subscription (replay follows). */
  subscribed: [info: { readonly afterSequence: number }];
  /** The replay is done: everything in scope up to `logSequence` has been handed over. */
  synced: [info: { readonly logSequence: number }];
  marker: [marker: PositionMarker];
  /** A signal already processed was dropped. */
  duplicate: [info: { readonly sequence: number }];
  /** Continuity could not be proven; the client resubscribes from the last proven point. */
  gap: [error: ContinuityGapError];
  late: [info: LateDelivery];
  skew: [info: ClockSkew];
  acked: [info: { readonly sequence: number; readonly state: AckState }];
  applied: [
    info: { readonly sequence: number; readonly appliedAtMs: number; readonly effectiveAtMs: number },
  ];
  /** The stream ended or failed; the client reconnects after `retryInMs`. */
  disconnected: [info: { readonly error: SubscriptionLostError; readonly retryInMs: number }];
  /** Handler, ack and signature failures. Without a listener they become process warnings. */
  error: [error: VenueClientError];
}

/** host:port, [v6]:port, or a gRPC target URI (dns:///host:port, unix:/path). */
/** Signals per response the SDK asks for: a burst of decisions arrives in a few writes. */
const DEFAULT_MAX_BATCH = 256;

const ADDRESS = /^(?:[^\s:/]+:\d{1,5}|\[[0-9a-fA-F:]+\]:\d{1,5}|(?:dns|unix|ipv4|ipv6):\S+)$/;

const CHANNEL_OPTIONS = {
  "grpc.keepalive_time_ms": 10_000,
  "grpc.keepalive_timeout_ms": 5_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 5_000,
} as const;

/**
 * A venue's connection to the Breakwater coordinator: subscribes to the
 * signal log from the last sequence processed, proves it missed nothing in
 * its scope, hands each signal to the application exactly once, acks it, and
 * reconnects (with backoff and jitter) from where it left off.
 *
 * @example
 * ```ts
 * import { VenueClient } from "@breakwater/sdk";
 *
 * const client = new VenueClient({
 *   address: "127.0.0.1:50051",
 *   venueId: "perp-a",
 *   afterSequence: await store.lastSequence(),
 *   handler: async (signal, delivery) => {
 *     await store.record(signal);            // persist before acking RECEIVED
 *     void client.applyAt(signal, () => engine.halt(signal.scope));  // acks APPLIED
 *   },
 * });
 * client.on("gap", (err) => log.warn(err.message));
 * client.on("late", (info) => log.warn(info, "signal arrived after its effective time"));
 * client.on("error", (err) => log.error(err));
 * client.start();
 * ```
 */
export class VenueClient extends EventEmitter<VenueClientEvents> {
  readonly venueId: string;
  private readonly grpc: CoordinationServiceClient;
  private readonly tracker: ContinuityTracker;
  private readonly acks: AckSender;
  private readonly backoff: Backoff;
  private readonly signatures: SignatureCheck | undefined;
  private keysFetched = false;
  private readonly clock: () => number;
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private call: ClientReadableStream<SubscribeResponse> | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private cancelReason: "gap" | "idle" | undefined;
  private streamOpen = false;
  /** Trace context of each received signal not yet applied (bounded: dropped when applied or old). */
  private readonly traceContexts = new Map<number, Context>();
  /** Per sequence being handled: resolves once its RECEIVED (or REJECTED) ack is queued. */
  private readonly receiptQueued = new Map<number, Promise<void>>();

  constructor(private readonly opts: VenueClientOptions) {
    super();
    const problems: string[] = [];
    if (!ADDRESS.test(opts.address)) {
      problems.push(
        `address "${opts.address}" must be host:port (or a gRPC target such as dns:///host:port)`,
      );
    }
    if (!isVenueId(opts.venueId)) problems.push(`venueId "${opts.venueId}" is not a valid venue id`);
    const after = opts.afterSequence ?? 0;
    if (!Number.isSafeInteger(after) || after < 0)
      problems.push("afterSequence must be a non-negative integer");
    if (opts.maxBatch !== undefined && !(Number.isInteger(opts.maxBatch) && opts.maxBatch >= 1))
      problems.push("maxBatch must be a positive integer");
    if (
      opts.lastInScope !== undefined &&
      !(Number.isSafeInteger(opts.lastInScope) && opts.lastInScope <= after)
    ) {
      problems.push("lastInScope must be an integer no greater than afterSequence");
    }
    if (typeof opts.handler !== "function") problems.push("handler must be a function");
    if (!opts.tls && !opts.credentials) {
      problems.push("tls: the coordinator accepts only mutual TLS; give tls { certFile, keyFile, caFile }");
    }
    if (problems.length > 0) throw new InvalidClientOptionsError(problems);

    this.venueId = opts.venueId;
    this.clock = opts.clock ?? Date.now;
    this.tracker = new ContinuityTracker(after, opts.lastInScope);
    this.backoff = new Backoff(opts.reconnect);
    this.grpc = new CoordinationServiceClient(
      opts.address,
      opts.credentials ?? channelCredentialsOf(opts.tls as TlsFiles),
      CHANNEL_OPTIONS,
    );
    if (opts.signatures) {
      if (!opts.signatures.fetchFromCoordinator && (opts.signatures.keys ?? []).length === 0) {
        throw new InvalidClientOptionsError(["signatures: pin at least one key or set fetchFromCoordinator"]);
      }
      this.signatures = new SignatureCheck(opts.signatures, this.grpc);
    }
    this.acks = new AckSender(this.grpc, {
      venueId: this.venueId,
      onAcked: (sequence, state) => this.emit("acked", { sequence, state }),
      onFailed: (error: AckFailedError) => this.report(error),
    });
  }

  /** Log sequence up to which the venue has everything in its scope; store it to resume after a restart. */
  get lastSequence(): number {
    return this.tracker.covered;
  }

  /** The last in-scope signal handed to the application (undefined until known). */
  get lastInScope(): number | undefined {
    return this.tracker.lastInScope;
  }

  /** True while a subscription stream is open. */
  get connected(): boolean {
    return this.streamOpen;
  }

  /** Starts subscribing (idempotent). */
  start(): this {
    this.running ??= this.run();
    return this;
  }

  /** Stops the subscription, waits briefly for queued acks, and closes the channel. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.call?.cancel();
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
    await this.running;
    await this.acks.drain();
    this.grpc.close();
  }

  /** Sends an ack yourself (when `autoAck` is off, or to reject). Resolves false if it failed. */
  ack(sequence: number, state: AckState, detail?: string): Promise<boolean> {
    return this.acks.send(detail === undefined ? { sequence, state } : { sequence, state, detail });
  }

  /**
   * Runs `action` at the signal's `effective_at` (at once if that has passed),
   * then acks APPLIED; if `action` throws, acks REJECTED and emits "error".
   * Resolves true when applied, false when rejected or the client closed first.
   * Never rejects.
   */
  async applyAt(signal: Signal, action: (signal: Signal) => void | Promise<void>): Promise<boolean> {
    // timers may fire a millisecond early against the wall clock: wait until effective_at has truly come
    for (let waitMs = signal.effectiveAtMs - this.clock(); waitMs > 0 && !this.closed; ) {
      await this.sleep(waitMs);
      waitMs = signal.effectiveAtMs - this.clock();
    }
    if (this.closed) return false;
    const parent = this.traceContexts.get(signal.sequence) ?? context.active();
    this.traceContexts.delete(signal.sequence);
    return inSdkSpan("venue.apply", parent, { "breakwater.sequence": signal.sequence }, async () => {
      try {
        await action(signal);
      } catch (err) {
        this.report(new HandlerFailedError(signal.sequence, err));
        void this.ack(signal.sequence, AckState.ACK_STATE_REJECTED, String((err as Error)?.message ?? err));
        return false;
      }
      const appliedAtMs = this.clock();
      this.emit("applied", { sequence: signal.sequence, appliedAtMs, effectiveAtMs: signal.effectiveAtMs });
      await this.receiptQueued.get(signal.sequence); // APPLIED never overtakes RECEIVED
      return this.ack(signal.sequence, AckState.ACK_STATE_APPLIED);
    });
  }

  /**
   * The trace context of a signal's receipt, for whoever applies it later
   * (`DurableVenue`); undefined once taken or for an unknown sequence.
   */
  takeTraceContext(sequence: number): Context | undefined {
    const ctx = this.traceContexts.get(sequence);
    this.traceContexts.delete(sequence);
    return ctx;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      if (this.signatures && this.opts.signatures?.fetchFromCoordinator && !this.keysFetched) {
        // Keys first: a signal must never be judged before the keys are known.
        try {
          await this.signatures.fetchKeys();
          this.keysFetched = true;
        } catch (err) {
          const e = err as ServiceError;
          const retryInMs = this.backoff.next();
          this.emit("disconnected", {
            error: new SubscriptionLostError(
              e.code,
              `fetching signing keys failed: ${e.details ?? e.message}`,
              err,
            ),
            retryInMs,
          });
          await this.sleep(retryInMs);
          continue;
        }
      }
      const error = await this.subscribeOnce();
      if (this.closed) break;
      const retryInMs = this.backoff.next();
      this.emit("disconnected", { error, retryInMs });
      await this.sleep(retryInMs);
    }
  }

  /** One subscription stream, until it ends; returns why it ended. */
  private async subscribeOnce(): Promise<SubscriptionLostError> {
    const afterSequence = this.tracker.covered;
    const call = this.grpc.subscribe({
      venueId: this.venueId,
      afterSequence,
      maxBatch: this.opts.maxBatch ?? DEFAULT_MAX_BATCH,
    });
    this.call = call;
    this.cancelReason = undefined;
    call.on("metadata", () => {
      this.streamOpen = true;
      this.emit("subscribed", { afterSequence });
    });
    this.armIdleTimer();
    let synced = false;
    try {
      stream: for await (const response of call as AsyncIterable<SubscribeResponse>) {
        clearTimeout(this.idleTimer); // a slow handler is not a silent stream
        // A batch holds whole responses, in log order: each is handled as if it came alone.
        for (const item of response.batch ? response.batch.items : [response]) {
          const outcome = await this.process(item);
          if (outcome === "gap") {
            this.cancelReason = "gap";
            call.cancel();
            break stream;
          }
          if (outcome === "marker" && !synced) {
            synced = true;
            this.backoff.reset();
            this.emit("synced", { logSequence: this.tracker.covered });
          }
        }
        this.armIdleTimer();
      }
      return new SubscriptionLostError(
        undefined,
        this.cancelledFor() === "gap"
          ? "resubscribing after a continuity gap"
          : "the coordinator ended the stream",
      );
    } catch (err) {
      const e = err as ServiceError;
      const why =
        this.cancelledFor() === "idle"
          ? "nothing received within the idle timeout"
          : `${status[e.code] ?? "error"}: ${e.details ?? e.message}`;
      return new SubscriptionLostError(e.code, why, err);
    } finally {
      this.streamOpen = false;
      clearTimeout(this.idleTimer);
      call.cancel();
    }
  }

  private async process(response: SubscribeResponse): Promise<"signal" | "marker" | "gap" | "skip"> {
    const item = response.item;
    if (!item) return "skip";
    if (item.$case === "marker") {
      const verdict = this.tracker.onMarker(item.value.logSequence, response.previousInScope);
      if (verdict.kind === "gap") {
        this.emitGap(item.value.logSequence, verdict);
        return "gap";
      }
      this.emit("marker", item.value);
      return "marker";
    }
    const signal = item.value;
    const receivedAtMs = this.clock();
    const verdict = this.tracker.onSignal(signal.sequence, response.previousInScope);
    if (verdict.kind === "duplicate") {
      this.emit("duplicate", { sequence: signal.sequence });
      return "skip";
    }
    if (verdict.kind === "gap") {
      this.emitGap(signal.sequence, verdict);
      return "gap";
    }
    if (this.signatures) {
      const verdict = await this.signatures.verify(signal);
      if (!verdict.ok) {
        this.report(new SignatureError(signal.sequence, signal.keyId, verdict.reason));
        void this.ack(signal.sequence, AckState.ACK_STATE_REJECTED, `signature: ${verdict.reason}`);
        return "signal";
      }
    }
    const timing = checkTiming(signal, receivedAtMs, this.opts.maxClockSkewMs ?? 1_000);
    if (timing.skew) this.emit("skew", timing.skew);
    if (timing.late) this.emit("late", timing.late);
    const delivery: Delivery = {
      signal,
      receivedAtMs,
      previousInScope: response.previousInScope,
      late: timing.late !== undefined,
      expired: timing.expired,
    };
    let receiptQueued: () => void = () => undefined;
    this.receiptQueued.set(
      signal.sequence,
      new Promise<void>((resolve) => {
        receiptQueued = resolve;
      }),
    );
    const parent = contextOfTraceparent(response.traceparent);
    await inSdkSpan("venue.receive", parent, { "breakwater.sequence": signal.sequence }, async () => {
      // applyAt continues from here: its span and APPLIED ack belong to this signal's trace.
      this.traceContexts.set(signal.sequence, context.active());
      if (this.traceContexts.size > 4_096) {
        const oldest = this.traceContexts.keys().next().value;
        if (oldest !== undefined) this.traceContexts.delete(oldest);
      }
      try {
        await this.opts.handler(signal, delivery);
        if (this.opts.autoAck ?? true) void this.ack(signal.sequence, AckState.ACK_STATE_RECEIVED);
      } catch (err) {
        this.report(new HandlerFailedError(signal.sequence, err));
        void this.ack(signal.sequence, AckState.ACK_STATE_REJECTED, String((err as Error)?.message ?? err));
      } finally {
        receiptQueued();
        this.receiptQueued.delete(signal.sequence);
      }
    });
    return "signal";
  }

  private emitGap(
    at: number,
    verdict: { expectedPrevious: number | undefined; actualPrevious: number; resumeFrom: number },
  ) {
    this.emit(
      "gap",
      new ContinuityGapError(
        this.venueId,
        at,
        verdict.expectedPrevious,
        verdict.actualPrevious,
        verdict.resumeFrom,
      ),
    );
  }

  /** Why the client cancelled the current stream itself (set from timers and the read loop). */
  private cancelledFor(): "gap" | "idle" | undefined {
    return this.cancelReason;
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.cancelReason = "idle";
      this.call?.cancel();
    }, this.opts.idleTimeoutMs ?? 15_000);
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }

  private report(error: VenueClientError): void {
    if (this.listenerCount("error") > 0) this.emit("error", error);
    else process.emitWarning(error);
  }
}
