import {
  ackStateName,
  concernsVenue,
  InvalidRequestError,
  isVenueId,
  LimitExceededError,
  PermissionDeniedError,
  UnauthenticatedError,
} from "@breakwater/core";
import {
  type CallWithAuth,
  type ConcurrencyLimits,
  type Principal,
  principalOfCall,
  type RateLimits,
} from "@breakwater/identity";
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
import type { VenueDirectory } from "./venue-directory.js";
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
  /** Who may call: the registered venues and their scopes. */
  readonly directory: () => VenueDirectory;
  readonly access: CallerAccess;
}

/** Identity and limits applied to every call. */
export interface CallerAccess {
  readonly trustDomain: string;
  /** Unary calls per identity. */
  readonly rates: RateLimits;
  /** Open Subscribe streams per venue. */
  readonly streams: ConcurrencyLimits;
  readonly maxStreamsPerVenue: number;
}

/** Roles that may read the whole log and any venue's status (not venues: they see their own). */
const OBSERVER_ROLES = new Set(["operator", "admin", "service"]);

/** The reason label of an identity or limit refusal, or undefined for any other failure. */
function refusalReason(err: unknown): string | undefined {
  if (err instanceof UnauthenticatedError || err instanceof PermissionDeniedError) return err.reason;
  if (err instanceof LimitExceededError) return err.limit;
  return undefined;
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
  const { index, venues, acks, log, access } = deps;

  /**
   * The caller's verified identity, within its request rate. Acks are not
   * rate-limited: a burst of halts brings a burst of acks, each checked against
   * the log (at most one per state per signal in the venue's scope), and
   * refusing them would raise false unacked-halt alerts.
   */
  function callerOf(call: CallWithAuth, rateLimited = true): Principal {
    const principal = principalOfCall(call, access.trustDomain);
    if (rateLimited && !access.rates.take(principal.uri)) {
      throw new LimitExceededError(
        "unary_rate",
        `more than ${access.rates.ratePerSecond} requests per second from ${principal.uri}`,
      );
    }
    return principal;
  }

  function refused(method: string, err: unknown): Partial<ServiceError> & { code: status } {
    const error = toServiceError(err);
    const reason = refusalReason(err);
    if (reason) coordinatorMetrics.authRefusals.inc({ method, reason });
    coordinatorMetrics.rejectedRequests.inc({ method, status: status[error.code] });
    logRequestFailure(log, err, { method });
    return error;
  }

  function unary<Req, Res>(
    method: string,
    handle: (req: Req, caller: Principal) => Res | Promise<Res>,
    rateLimited = true,
  ) {
    return async (
      call: { request: Req; metadata?: Metadata } & CallWithAuth,
      callback: sendUnaryData<Res>,
    ) => {
      try {
        const caller = callerOf(call, rateLimited);
        // A venue's request continues the trace it names (the SDK sends the signal's on acks).
        const traceparent = call.metadata?.get("traceparent")[0];
        const parent = contextOfTraceparent(typeof traceparent === "string" ? traceparent : "");
        callback(null, await context.with(parent, () => handle(call.request, caller)));
      } catch (err) {
        callback(refused(method, err));
      }
    };
  }

  return {
    subscribe(call) {
      const { venueId, afterSequence, maxBatch } = call.request;
      let venue: ReturnType<VenueDirectory["authorize"]>;
      let releaseSlot: () => void;
      try {
        requireVenueId(venueId);
        venue = deps.directory().authorize(callerOf(call), venueId);
        const max = venue.maxStreams ?? access.maxStreamsPerVenue;
        const slot = access.streams.acquire(venue.id, max);
        if (!slot) {
          throw new LimitExceededError(
            "streams_per_venue",
            `venue ${venue.id} already holds ${max} open subscriptions (its limit)`,
          );
        }
        releaseSlot = slot;
      } catch (err) {
        call.emit("error", refused("Subscribe", err));
        return;
      }
      const id = venue.id;
      const sub = new VenueSubscription(
        call,
        id,
        venue.scope,
        afterSequence,
        index,
        deps.subscription,
        log,
        maxBatch,
      );
      const release = venues.subscribed(id);
      subscriptions.add(sub);
      sub.whenEnded((reason) => {
        releaseSlot();
        release();
        log.info({ venue: id, reason }, "venue unsubscribed");
      });
      log.info({ venue: id, afterSequence, logSequence: index.last }, "venue subscribed");
      sub.start();
    },

    ack: unary(
      "Ack",
      (req: Parameters<AckLedger["record"]>[0], caller) =>
        inSpan(tracer, "coordinator.ack", async (span) => {
          requireVenueId(req.venueId);
          const venue = deps.directory().authorize(caller, req.venueId);
          span.setAttributes({
            "breakwater.venue": venue.id,
            "breakwater.sequence": Number(req.sequence),
            "breakwater.ack_state": ackStateName(req.state),
          });
          await acks.record({ ...req, venueId: venue.id }, venue.scope);
          return { recorded: true };
        }),
      false,
    ),

    listSignals: unary("ListSignals", (req: { afterSequence: number; limit: number }, caller) => {
      const limit = Math.min(req.limit > 0 ? req.limit : DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
      if (OBSERVER_ROLES.has(caller.role)) {
        return { signals: index.list(req.afterSequence, limit), lastSequence: index.last };
      }
      // A venue lists only what is in its scope.
      const venue = deps.directory().venueOf(caller);
      const signals = index
        .list(req.afterSequence, MAX_LIST_LIMIT)
        .filter((s) => concernsVenue(s, venue.id, venue.scope))
        .slice(0, limit);
      return { signals, lastSequence: index.last };
    }),

    getVenueStatus: unary("GetVenueStatus", (req: { venueId: string }, caller) => {
      requireVenueId(req.venueId);
      if (!OBSERVER_ROLES.has(caller.role)) deps.directory().authorize(caller, req.venueId);
      return { status: venues.status(req.venueId) };
    }),

    getSigningKeys: unary("GetSigningKeys", () => ({ keys: [...deps.signingKeys()] })),
  };
}
