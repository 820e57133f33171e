// The venue SDK: subscribe to Breakwater's signal log, apply signals at their effective time, ack.

export type { TrustedKey } from "@breakwater/core";
// Wire types a handler sees.
export type { TlsFiles } from "@breakwater/identity";
export type { PositionMarker, Scope, Signal } from "@breakwater/proto";
export { AckState, HaltMode, SignalKind } from "@breakwater/proto";
// Building blocks, for venues that run their own transport.
export type { BackoffOptions } from "./backoff.js";
export { Backoff } from "./backoff.js";
export type { Verdict } from "./continuity.js";
export { ContinuityTracker } from "./continuity.js";
// Crash-safe application: cursor stores and the durable venue.
export type {
  ApplyOutcome,
  CursorPosition,
  CursorRecord,
  CursorStore,
  PendingAck,
} from "./cursor/cursor-store.js";
export { CursorStoreError } from "./cursor/errors.js";
export type { FileCursorStoreOptions, FileStoreTx } from "./cursor/file-cursor-store.js";
export { FileCursorStore } from "./cursor/file-cursor-store.js";
export type { PostgresCursorStoreOptions } from "./cursor/postgres-cursor-store.js";
export { PostgresCursorStore } from "./cursor/postgres-cursor-store.js";
export type {
  AppliedLate,
  ApplyRetryPolicy,
  DurableVenueEvents,
  DurableVenueOptions,
  SignalContext,
  SignalHandlers,
} from "./durable-venue.js";
export { DurableVenue } from "./durable-venue.js";
export {
  AckFailedError,
  ContinuityGapError,
  HandlerFailedError,
  InvalidClientOptionsError,
  SignalStuckError,
  SignatureError,
  SubscriptionLostError,
  VenueClientError,
} from "./errors.js";
export type {
  HaltInForce,
  MarginMultipliers,
  MarketControlsJson,
  MarketRef,
  PriceLimitInForce,
} from "./market-controls.js";
export { MarketControls } from "./market-controls.js";
export type { SignatureOptions } from "./signature-check.js";
export { SignatureCheck } from "./signature-check.js";
export type { ClockSkew, LateDelivery, TimingReport } from "./timing.js";
export { checkTiming } from "./timing.js";
export type { Delivery, SignalHandler, VenueClientEvents, VenueClientOptions } from "./venue-client.js";
export { VenueClient } from "./venue-client.js";
