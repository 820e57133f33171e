import { AckState } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { VenueRegistry } from "./venue-registry.js";

describe("VenueRegistry", () => {
  it("default: an unknown venue is disconnected with nothing acked", () => {
    expect(new VenueRegistry().status("perp-a")).toEqual({
      venueId: "perp-a",
      connected: false,
      lastReceivedSequence: 0,
      lastAppliedSequence: 0,
      lastAckAtMs: 0,
    });
  });

  it("behavior: connected while at least one subscription is open", () => {
    const venues = new VenueRegistry();
    const endA = venues.subscribed("perp-a");
    const endB = venues.subscribed("perp-a");
    endA();
    endA(); // idempotent
    expect(venues.status("perp-a").connected).toBe(true);
    endB();
    expect(venues.status("perp-a").connected).toBe(false);
  });

  it("behavior: acks only move forward; applied and rejected imply received", () => {
    const venues = new VenueRegistry();
    venues.acked("perp-a", 3, AckState.ACK_STATE_APPLIED, 100);
    venues.acked("perp-a", 2, AckState.ACK_STATE_RECEIVED, 50);
    venues.acked("perp-a", 5, AckState.ACK_STATE_REJECTED, 120);
    expect(venues.status("perp-a")).toMatchObject({
      lastReceivedSequence: 5,
      lastAppliedSequence: 3,
      lastAckAtMs: 120,
    });
    expect(venues.list()[0]).toMatchObject({ lastRejectedSequence: 5 });
  });
});
