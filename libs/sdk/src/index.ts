// The venue SDK: subscribe to Breakwater's signal log, apply signals at their effective time, ack.

export type { TrustedKey } from "@breakwater/core";
// Wire types a handler sees.
export type { PositionMarker, Scope, Signal } from "@breakwater/proto";
export { AckState, HaltMode, SignalKind } from "@breakwater/proto";
// Building blocks, for venues that run their own transport.
export type { BackoffOptions } from "./backoff.js";
export { Backoff } from "./backoff.js";
export type { Verdict } from "./continuity.js";
export { ContinuityTracker } from "./continuity.js";
export {
  AckFailedError,
  ContinuityGapError,
  HandlerFailedError,
  InvalidClientOptionsError,
  SignatureError,
  SubscriptionLostError,
  VenueClientError,
} from "./errors.js";
export type { SignatureOptions } from "./signature-check.js";
export { SignatureCheck } from "./signature-check.js";
export type { ClockSkew, LateDelivery, TimingReport } from "./timing.js";
export { checkTiming } from "./timing.js";
export type { Delivery, SignalHandler, VenueClientEvents, VenueClientOptions } from "./venue-client.js";
export { VenueClient } from "./venue-client.js";
