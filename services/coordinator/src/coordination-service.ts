import { ackStateName, InvalidRequestError, isVenueId } from "@breakwater/core";
import type { CoordinationServiceServer, SigningKey } from "@breakwater/proto";
import {
  contextOfTraceparent,
  grpcStatusOf,
  inSpan,
  type Logger,
  logRequestFailure,
  publicMessageOf,
} from "@breakwater/telemetry";
import { type Metadata, type ServiceError, type sendUnaryData, status } from "@grpc/grpc-js";
import { context, trace } from "@opentelemetry/api";
import type { AckLedger } from "./acks.js";
import { coordinatorMetrics } from "./metrics.js";
import type { SignalIndex } from "./signal-index.js";
import { type SubscriptionOptions, VenueSubscription } from "./subscription.js";
import type { VenueRegistry } from "./venue-registry.js";

const tracer = trace.getTracer("breakwater.coordinator");

export interface CoordinationServiceDeps {
  readonly index: SignalIndex;
  readonly venues: VenueRegistry;
  readonly acks: AckLedger;
  readonly subscription: SubscriptionOptions;
  readonly log: Logger;
  /** Public keys venues pin: the active one first, then retired ones still in their overlap. */
  readonly signingKeys: () => readonly SigningKey[];
}

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1_000;

/** Maps what a handler threw to a gRPC status; an internal error's message stays in the log. */
export function toServiceError(err: unknown): Partial<ServiceError> & { code: status } {
  return { code: grpcStatusOf(err), details: publicMessageOf(err) };
}

function requireVenueId(venueId: string): void {
  if (!isVenueId(venueId)) {
    throw new InvalidRequestError(
      "venue_id",
      venueId === "" ? "is required" : `"${venueId.slice(0, 40)}" is not a valid venue id`,
    );
  }
}

/** The open subscriptions, so shutdown can end them. */
export class Subscriptions {
  private readonly open = new Set<VenueSubscription>();

  add(sub: VenueSubscription): void {
    this.open.add(sub);
    coordinatorMetrics.subscribers.set(this.open.size);
    sub.whenEnded(() => {
      this.open.delete(sub);
      coordinatorMetrics.subscribers.set(this.open.size);
    });
  }

  get size(): number {
    return this.open.size;
  }

  closeAll(details: string): void {
    for (const sub of [...this.open]) sub.close("shutdown", details);
  }
}

/** The CoordinationService: venues subscribe to the log, ack, and inspect it. */
export function coordinationService(
  deps: CoordinationServiceDeps,
  subscriptions: Subscriptions,
): CoordinationServiceServer {
  const { index, venues, acks, log } = deps;

  function unary<Req, Res>(method: string, handle: (req: Req) => Res | Promise<Res>) {
    return async (call: { request: Req; metadata?: Metadata }, callback: sendUnaryData<Res>) => {
      try {
        // A venue's request continues the trace it names (the SDK sends the signal's on acks).
        const traceparent = call.metadata?.get("traceparent")[0];
        const parent = contextOfTraceparent(typeof traceparent === "string" ? traceparent : "");
        callback(null, await context.with(parent, () => handle(call.request)));
      } catch (err) {
        const error = toServiceError(err);
        coordinatorMetrics.rejectedRequests.inc({ method, status: status[error.code] });
        logRequestFailure(log, err, { method });
        callback(error);
      }
    };
  }

  return {
    subscribe(call) {
      const { venueId, afterSequence } = call.request;
      try {
        requireVenueId(venueId);
      } catch (err) {
        const error = toServiceError(err);
        coordinatorMetrics.rejectedRequests.inc({ method: "Subscribe", status: status[error.code] });
        call.emit("error", error);
        return;
      }
      const sub = new VenueSubscription(call, venueId, afterSequence, index, deps.subscription, log);
      const release = venues.subscribed(venueId);
      subscriptions.add(sub);
      sub.whenEnded((reason) => {
        release();
        log.info({ venue: venueId, reason }, "venue unsubscribed");
      });
      log.info({ venue: venueId, afterSequence, logSequence: index.last }, "venue subscribed");
      sub.start();
    },

    ack: unary("Ack", (req: Parameters<AckLedger["record"]>[0]) =>
      inSpan(tracer, "coordinator.ack", async (span) => {
        span.setAttributes({
          "breakwater.venue": req.venueId,
          "breakwater.sequence": Number(req.sequence),
          "breakwater.ack_state": ackStateName(req.state),
        });
        await acks.record(req);
        return { recorded: true };
      }),
    ),

    listSignals: unary("ListSignals", (req: { afterSequence: number; limit: number }) => {
      const limit = Math.min(req.limit > 0 ? req.limit : DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
      return { signals: index.list(req.afterSequence, limit), lastSequence: index.last };
    }),

    getVenueStatus: unary("GetVenueStatus", (req: { venueId: string }) => {
      requireVenueId(req.venueId);
      return { status: venues.status(req.venueId) };
    }),

    getSigningKeys: unary("GetSigningKeys", () => ({ keys: [...deps.signingKeys()] })),
  };
}
