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

  it("behavior: a flood of made-up venue ids keeps the table bounded; subscribed venues are never evicted", () => {
    const venues = new VenueRegistry(100);
    const end = venues.subscribed("perp-a");
    venues.acked("lend-a", 1, AckState.ACK_STATE_APPLIED, 1);
    for (let i = 0; i < 5_000; i++) venues.acked(`made-up-${i}`, 1, AckState.ACK_STATE_RECEIVED, i);
    expect(venues.size).toBe(100);
    expect(venues.status("perp-a").connected).toBe(true);
    // the idle real venue was the least recently active: evicted
    expect(venues.list().map((v) => v.venueId)).not.toContain("lend-a");
    expect(venues.list().map((v) => v.venueId)).toContain("made-up-4999");
    end();
  });

  it("behavior: activity keeps a venue in the table", () => {
    const venues = new VenueRegistry(3);
    for (const id of ["a", "b", "c"]) venues.acked(id, 1, AckState.ACK_STATE_RECEIVED, 1);
    venues.acked("a", 2, AckState.ACK_STATE_RECEIVED, 2); // a is now the most recent
    venues.acked("d", 1, AckState.ACK_STATE_RECEIVED, 3);
    expect(venues.list().map((v) => v.venueId)).toEqual(["a", "c", "d"]);
  });
});
