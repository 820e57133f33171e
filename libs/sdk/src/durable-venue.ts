import { EventEmitter } from "node:events";
import type { TlsFiles } from "@breakwater/identity";
import { AckState, type PositionMarker, type Signal } from "@breakwater/proto";
import type { ChannelCredentials } from "@grpc/grpc-js";
import { type Context, ROOT_CONTEXT } from "@opentelemetry/api";
import { Backoff } from "./backoff.js";
import type { CursorPosition, CursorStore, PendingAck } from "./cursor/cursor-store.js";
import {
  type ContinuityGapError,
  HandlerFailedError,
  InvalidClientOptionsError,
  SignalStuckError,
  type SubscriptionLostError,
  type VenueClientError,
} from "./errors.js";
import {
  type HaltInForce,
  handlerKindOf,
  type MarginMultipliers,
  MarketControls,
  type MarketRef,
  type PriceLimitInForce,
} from "./market-controls.js";
import type { SignatureOptions } from "./signature-check.js";
import { inSdkSpan } from "./trace-context.js";
import { VenueClient } from "./venue-client.js";

/** What a typed handler is given. */
export interface SignalContext<Tx> {
  readonly signal: Signal;
  /** The store's transaction: the venue's own state change commits with the cursor. */
  readonly tx: Tx;
  /** Markets' halts and margins once this signal is applied. */
  readonly controls: MarketControls;
  /** 1 on the first try. */
  readonly attempt: number;
  /** How long after `effective_at` it is applied (0 when on time). */
  readonly lateByMs: number;
  /** Its action already ended (`expires_at` passed) before it could be applied. */
  readonly expired: boolean;
}

type Handler<Tx> = (ctx: SignalContext<Tx>) => void | Promise<void>;

/** One handler per signal kind; a kind without one is still recorded in {@link MarketControls}. */
export interface SignalHandlers<Tx> {
  readonly onHalt?: Handler<Tx>;
  readonly onResume?: Handler<Tx>;
  readonly onMargin?: Handler<Tx>;
  /** A price limit: trading continues only at or inside the band ({@link DurableVenue.priceLimitOf}). */
  readonly onPriceLimit?: Handler<Tx>;
  readonly onAdvisory?: Handler<Tx>;
}

/** How a failing handler is retried before the venue stops. */
export interface ApplyRetryPolicy {
  /** Tries in all. Default 5. */
  readonly attempts?: number;
  /** Default 200. */
  readonly initialDelayMs?: number;
  /** Default 5000. */
  readonly maxDelayMs?: number;
}

export interface DurableVenueOptions<Tx> {
  /** Coordinator address, `host:port`. */
  readonly address: string;
  readonly venueId: string;
  readonly store: CursorStore<Tx>;
  readonly handlers: SignalHandlers<Tx>;
  readonly signatures?: SignatureOptions;
  /** The venue's mutual TLS identity (see VenueClientOptions.tls). Required unless `credentials` is given. */
  readonly tls?: TlsFiles;
  readonly credentials?: ChannelCredentials;
  readonly reconnect?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  readonly retry?: ApplyRetryPolicy;
  /** Called when a signal is stuck (the alert hook); the `stuck` event fires too. */
  readonly onStuck?: (error: SignalStuckError) => void;
  /** Applied later than this after `effective_at` is reported `late`. Default 100. */
  readonly lateToleranceMs?: number;
  /** How often a position moved by markers alone is written. Default 1000. */
  readonly markerFlushMs?: number;
  readonly idleTimeoutMs?: number;
  readonly maxClockSkewMs?: number;
  /** The venue's clock. Default Date.now. */
  readonly clock?: () => number;
}

/** A signal applied after its effective time (on arrival, or after a restart). */
export interface AppliedLate {
  readonly sequence: number;
  readonly effectiveAtMs: number;
  readonly appliedAtMs: number;
  readonly lateByMs: number;
}

export interface DurableVenueEvents {
  subscribed: [info: { readonly afterSequence: number }];
  synced: [info: { readonly logSequence: number }];
  /** Durably in the inbox, acked RECEIVED. */
  received: [info: { readonly sequence: number; readonly effectiveAtMs: number }];
  applied: [
    info: { readonly sequence: number; readonly appliedAtMs: number; readonly effectiveAtMs: number },
  ];
  late: [info: AppliedLate];
  skipped: [info: { readonly sequence: number; readonly reason: string }];
  stuck: [error: SignalStuckError];
  gap: [error: ContinuityGapError];
  disconnected: [info: { readonly error: SubscriptionLostError; readonly retryInMs: number }];
  /** Handler, store, ack and signature failures. Without a listener they become process warnings. */
  error: [error: VenueClientError];
}

/**
 * A venue's crash-safe connection to Breakwater. Each signal is written to
 * the cursor store's inbox before it is acked RECEIVED; at its effective time
 * the typed handler runs inside the store's transaction, which also removes
 * it from the inbox, so the venue's state change and the cursor commit
 * together (exactly once). Signals are applied in sequence order. A handler
 * that throws is retried with backoff and never acked APPLIED while failing;
 * one that keeps failing stops the venue with a {@link SignalStuckError}
 * until it retries or skips it explicitly. After a restart, pending signals
 * are rescheduled (applied at once, reported late, if their time passed) and
 * unconfirmed acks are sent again.
 */
export class DurableVenue<Tx = unknown> extends EventEmitter<DurableVenueEvents> {
  readonly venueId: string;
  private readonly clock: () => number;
  private client: VenueClient | undefined;
  private inbox: Signal[] = [];
  private pendingAcks: PendingAck[] = [];
  private current = new MarketControls();
  private stuckAt: SignalStuckError | undefined;
  private closed = false;
  private started: Promise<void> | undefined;
  private applying: Promise<void> | undefined;
  private wakeApplier: (() => void) | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Trace context of each signal's receipt, so its application and APPLIED ack join its trace. */
  private readonly traceContexts = new Map<number, Context>();
  /** Pending sleeps, ended early by close(). */
  private readonly sleepers = new Set<() => void>();
  private markerPosition: CursorPosition | undefined;
  private markerTimer: NodeJS.Timeout | undefined;
  private confirmed: number[] = [];
  private confirmTimer: NodeJS.Timeout | undefined;
  private storeWrites: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: DurableVenueOptions<Tx>) {
    super();
    const problems: string[] = [];
    if (!opts.store || typeof opts.store.load !== "function") problems.push("store must be a CursorStore");
    if (!opts.handlers || typeof opts.handlers !== "object") problems.push("handlers must be an object");
    const attempts = opts.retry?.attempts ?? 5;
    if (!Number.isSafeInteger(attempts) || attempts < 1)
      problems.push("retry.attempts must be a positive integer");
    if (problems.length > 0) throw new InvalidClientOptionsError(problems);
    this.venueId = opts.venueId;
    this.clock = opts.clock ?? Date.now;
  }

  /** The halt in force on a market now (or at `atMs`), if any. */
  haltOf(ref: MarketRef, atMs = this.clock()): HaltInForce | undefined {
    return this.current.haltOf(ref, atMs);
  }

  /** The margin multipliers in force on a market. */
  marginOf(ref: MarketRef): MarginMultipliers {
    return this.current.marginOf(ref);
  }

  /** The price limit in force on a market at `atMs` (default: now), from the signals applied so far. */
  priceLimitOf(ref: MarketRef, atMs = this.clock()): PriceLimitInForce | undefined {
    return this.current.priceLimitOf(ref, atMs);
  }

  /** Halts and margins from the signals applied so far (a copy). */
  get controls(): MarketControls {
    return this.current.clone();
  }

  /** Signals received and not yet applied. */
  get pending(): readonly Signal[] {
    return [...this.inbox];
  }

  /** The signal applying stopped at, if a handler kept failing. */
  get stuck(): SignalStuckError | undefined {
    return this.stuckAt;
  }

  /** Loads the cursor, reschedules pending signals, resends unconfirmed acks and subscribes. */
  start(): Promise<void> {
    this.started ??= this.open();
    return this.started;
  }

  /** Gives up on the stuck signal (acked REJECTED with `reason`) and goes on with the next. */
  async skip(sequence: number, reason: string): Promise<void> {
    const signal = this.inbox[0];
    if (!signal || signal.sequence !== sequence)
      throw new InvalidClientOptionsError([`signal ${sequence} is not the next one to apply`]);
    await this.opts.store.apply(sequence, "skipped", this.current.toJSON(), undefined, reason);
    this.inbox.shift();
    this.queueAck({ sequence, outcome: "skipped", detail: reason });
    this.emit("skipped", { sequence, reason });
    this.resume();
  }

  /** Tries the stuck signal again (after fixing what made its handler fail). */
  retry(): void {
    this.resume();
  }

  /** Stops subscribing and applying; waits for the store's last writes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
    this.wakeApplier?.();
    await this.started?.catch(() => undefined);
    await this.applying;
    await this.flushMarkers();
    await this.flushConfirmed();
    await this.client?.close();
    await this.storeWrites.catch(() => undefined);
    await this.opts.store.close();
  }

  private async open(): Promise<void> {
    const record = await this.opts.store.load();
    this.inbox = [...record.inbox].sort((a, b) => a.sequence - b.sequence);
    this.pendingAcks = [...record.pendingAcks];
    this.current = MarketControls.fromJSON(record.controls);
    this.subscribe(record.position);
    this.applying = this.applyLoop();
  }

  private resume(): void {
    if (!this.stuckAt || this.closed) return;
    this.stuckAt = undefined;
    this.wakeApplier?.();
    void this.storeWrites
      .then(() => this.opts.store.load())
      .then(
        (record) => {
          if (!this.closed && !this.client) this.subscribe(record.position);
        },
        (err: unknown) => this.report(new HandlerFailedError(0, err)),
      );
  }

  private subscribe(position: CursorPosition): void {
    const client = new VenueClient({
      address: this.opts.address,
      venueId: this.venueId,
      afterSequence: position.covered,
      ...(position.lastInScope === undefined ? {} : { lastInScope: position.lastInScope }),
      handler: (signal) => this.receive(signal),
      ...(this.opts.signatures ? { signatures: this.opts.signatures } : {}),
      ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
      ...(this.opts.tls ? { tls: this.opts.tls } : {}),
      ...(this.opts.reconnect ? { reconnect: this.opts.reconnect } : {}),
      ...(this.opts.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: this.opts.idleTimeoutMs }),
      ...(this.opts.maxClockSkewMs === undefined ? {} : { maxClockSkewMs: this.opts.maxClockSkewMs }),
      clock: this.clock,
    });
    client.on("subscribed", (info) => this.emit("subscribed", info));
    client.on("synced", (info) => this.emit("synced", info));
    client.on("gap", (err) => this.emit("gap", err));
    client.on("disconnected", (info) => this.emit("disconnected", info));
    client.on("marker", (marker) => this.onMarker(client, marker));
    client.on("error", (err) => this.report(err));
    this.client = client;
    // The coordinator may not have recorded these before the restart; acks are idempotent there.
    for (const signal of this.inbox) void client.ack(signal.sequence, AckState.ACK_STATE_RECEIVED);
    for (const ack of this.pendingAcks) this.sendAck(ack);
    client.start();
  }

  /** The subscription's handler: durable before it returns (and the client acks RECEIVED). */
  private async receive(signal: Signal): Promise<void> {
    const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 5_000 });
    const position = { covered: signal.sequence, lastInScope: signal.sequence };
    for (;;) {
      try {
        await this.writeStore(() => this.opts.store.receive(signal, position));
        break;
      } catch (err) {
        // Never ack a signal that is not durable: hold the stream and try again.
        this.report(new HandlerFailedError(signal.sequence, err));
        if (this.closed) throw err;
        await this.sleep(backoff.next());
      }
    }
    this.inbox.push(signal);
    const traced = this.client?.takeTraceContext(signal.sequence);
    if (traced) this.traceContexts.set(signal.sequence, traced);
    this.emit("received", { sequence: signal.sequence, effectiveAtMs: signal.effectiveAtMs });
    // After the client has queued RECEIVED (right after this returns), so APPLIED never overtakes it.
    setImmediate(() => this.wakeApplier?.());
  }

  private onMarker(client: VenueClient, _marker: PositionMarker): void {
    this.markerPosition = { covered: client.lastSequence, lastInScope: client.lastInScope };
    if (this.markerTimer) return;
    this.markerTimer = setTimeout(() => {
      this.markerTimer = undefined;
      void this.flushMarkers();
    }, this.opts.markerFlushMs ?? 1_000);
    this.timers.add(this.markerTimer);
  }

  private async flushMarkers(): Promise<void> {
    const position = this.markerPosition;
    this.markerPosition = undefined;
    if (!position) return;
    await this.writeStore(() => this.opts.store.advance(position)).catch((err: unknown) =>
      this.report(new HandlerFailedError(position.covered, err)),
    );
  }

  private async applyLoop(): Promise<void> {
    while (!this.closed) {
      const next = this.inbox[0];
      if (!next || this.stuckAt) {
        await new Promise<void>((resolve) => {
          this.wakeApplier = resolve;
        });
        continue;
      }
      // timers may fire a millisecond early: wait until effective_at has truly come
      for (let waitMs = next.effectiveAtMs - this.clock(); waitMs > 0 && !this.closed; ) {
        await this.sleep(waitMs);
        waitMs = next.effectiveAtMs - this.clock();
      }
      if (this.closed) break;
      const parent = this.traceContexts.get(next.sequence) ?? ROOT_CONTEXT;
      const applied = await inSdkSpan("venue.apply", parent, { "breakwater.sequence": next.sequence }, () =>
        this.applyOne(next),
      );
      if (applied) {
        this.inbox.shift();
        this.traceContexts.delete(next.sequence);
      }
    }
  }

  private async applyOne(signal: Signal): Promise<boolean> {
    const attempts = this.opts.retry?.attempts ?? 5;
    const backoff = new Backoff({
      initialDelayMs: this.opts.retry?.initialDelayMs ?? 200,
      maxDelayMs: this.opts.retry?.maxDelayMs ?? 5_000,
    });
    const handler = this.handlerFor(signal);
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts && !this.closed; attempt++) {
      const controls = this.current.clone().apply(signal);
      const startedAtMs = this.clock();
      const lateByMs = Math.max(0, startedAtMs - signal.effectiveAtMs);
      const expired = signal.expiresAtMs > 0 && startedAtMs >= signal.expiresAtMs;
      try {
        await this.writeStore(() =>
          this.opts.store.apply(signal.sequence, "applied", controls.toJSON(), (tx) =>
            handler?.({ signal, tx, controls, attempt, lateByMs, expired }),
          ),
        );
      } catch (err) {
        lastError = err;
        this.report(new HandlerFailedError(signal.sequence, err));
        if (attempt < attempts) await this.sleep(backoff.next());
        continue;
      }
      this.current = controls;
      const appliedAtMs = this.clock();
      this.emit("applied", { sequence: signal.sequence, appliedAtMs, effectiveAtMs: signal.effectiveAtMs });
      if (lateByMs > (this.opts.lateToleranceMs ?? 100))
        this.emit("late", {
          sequence: signal.sequence,
          effectiveAtMs: signal.effectiveAtMs,
          appliedAtMs,
          lateByMs,
        });
      this.queueAck({ sequence: signal.sequence, outcome: "applied" });
      return true;
    }
    if (this.closed) return false;
    const stuck = new SignalStuckError(signal.sequence, attempts, lastError);
    this.stuckAt = stuck;
    // Stop subscribing: a venue that cannot apply a halt must not go on as if it had.
    const client = this.client;
    this.client = undefined;
    await client?.close();
    this.emit("stuck", stuck);
    this.opts.onStuck?.(stuck);
    return false;
  }

  private handlerFor(signal: Signal): Handler<Tx> | undefined {
    const h = this.opts.handlers;
    switch (handlerKindOf(signal)) {
      case "halt":
        return h.onHalt;
      case "resume":
        return h.onResume;
      case "margin":
        return h.onMargin;
      case "price-limit":
        return h.onPriceLimit;
      case "advisory":
        return h.onAdvisory;
    }
  }

  private queueAck(ack: PendingAck): void {
    this.pendingAcks.push(ack);
    this.sendAck(ack);
  }

  private sendAck(ack: PendingAck): void {
    const client = this.client;
    if (!client) return; // re-sent when the venue subscribes again
    const state = ack.outcome === "applied" ? AckState.ACK_STATE_APPLIED : AckState.ACK_STATE_REJECTED;
    void client.ack(ack.sequence, state, ack.detail).then((ok) => {
      if (!ok) return;
      this.pendingAcks = this.pendingAcks.filter((a) => a.sequence !== ack.sequence);
      this.confirmed.push(ack.sequence);
      if (this.confirmTimer) return;
      this.confirmTimer = setTimeout(() => {
        this.confirmTimer = undefined;
        void this.flushConfirmed();
      }, 500);
      this.timers.add(this.confirmTimer);
    });
  }

  private async flushConfirmed(): Promise<void> {
    const sequences = this.confirmed;
    this.confirmed = [];
    if (sequences.length === 0) return;
    await this.writeStore(() => this.opts.store.acked(sequences)).catch((err: unknown) =>
      this.report(new HandlerFailedError(sequences[0] ?? 0, err)),
    );
  }

  /** Store calls run one at a time, in the order they were made. */
  private writeStore<T>(write: () => Promise<T>): Promise<T> {
    const result = this.storeWrites.then(write);
    this.storeWrites = result.catch(() => undefined);
    return result;
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.sleepers.delete(resolve);
        resolve();
      }, ms);
      this.timers.add(timer);
      this.sleepers.add(resolve);
    });
  }

  private report(error: VenueClientError): void {
    if (this.listenerCount("error") > 0) this.emit("error", error);
    else process.emitWarning(error);
  }
}
