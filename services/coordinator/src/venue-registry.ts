import { AckState, type VenueStatus } from "@breakwater/proto";
import { coordinatorMetrics } from "./metrics.js";

interface VenueRecord {
  readonly venueId: string;
  subscriptions: number;
  lastReceivedSequence: number;
  lastAppliedSequence: number;
  lastRejectedSequence: number;
  lastAckAtMs: number;
}

/**
 * What the coordinator knows of each venue: open subscriptions and the acks it
 * recorded. The table is bounded: any caller can name a venue id, so past
 * `maxVenues` records the least recently active venue without an open
 * subscription is evicted (counted); venues that are subscribed are never evicted.
 */
export class VenueRegistry {
  /** In order of last activity, oldest first (a touched record moves to the end). */
  private readonly venues = new Map<string, VenueRecord>();

  constructor(private readonly maxVenues = 1_000) {}

  get size(): number {
    return this.venues.size;
  }

  private record(venueId: string): VenueRecord {
    let venue = this.venues.get(venueId);
    if (venue) {
      this.venues.delete(venueId);
      this.venues.set(venueId, venue);
    } else {
      venue = {
        venueId,
        subscriptions: 0,
        lastReceivedSequence: 0,
        lastAppliedSequence: 0,
        lastRejectedSequence: 0,
        lastAckAtMs: 0,
      };
      this.venues.set(venueId, venue);
      this.evict();
      coordinatorMetrics.venues.set(this.venues.size);
    }
    return venue;
  }

  private evict(): void {
    if (this.venues.size <= this.maxVenues) return;
    for (const [id, venue] of this.venues) {
      if (this.venues.size <= this.maxVenues) break;
      if (venue.subscriptions > 0) continue;
      this.venues.delete(id);
      coordinatorMetrics.venueEvictions.inc();
    }
  }

  /** Counts an open subscription; returns the function that ends it (idempotent). */
  subscribed(venueId: string): () => void {
    const venue = this.record(venueId);
    venue.subscriptions++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      venue.subscriptions--;
    };
  }

  /** Records an ack. An applied or rejected signal was also received. */
  acked(venueId: string, sequence: number, state: AckState, atMs: number): void {
    const venue = this.record(venueId);
    venue.lastReceivedSequence = Math.max(venue.lastReceivedSequence, sequence);
    if (state === AckState.ACK_STATE_APPLIED) {
      venue.lastAppliedSequence = Math.max(venue.lastAppliedSequence, sequence);
    } else if (state === AckState.ACK_STATE_REJECTED) {
      venue.lastRejectedSequence = Math.max(venue.lastRejectedSequence, sequence);
    }
    venue.lastAckAtMs = Math.max(venue.lastAckAtMs, atMs);
  }

  status(venueId: string): VenueStatus {
    const venue = this.venues.get(venueId);
    return {
      venueId,
      connected: (venue?.subscriptions ?? 0) > 0,
      lastReceivedSequence: venue?.lastReceivedSequence ?? 0,
      lastAppliedSequence: venue?.lastAppliedSequence ?? 0,
      lastAckAtMs: venue?.lastAckAtMs ?? 0,
    };
  }

  /** Every venue seen, sorted by id, with the sequence of its last rejection. */
  list(): (VenueStatus & { subscriptions: number; lastRejectedSequence: number })[] {
    return [...this.venues.values()]
      .sort((a, b) => a.venueId.localeCompare(b.venueId))
      .map((v) => ({
        ...this.status(v.venueId),
        subscriptions: v.subscriptions,
        lastRejectedSequence: v.lastRejectedSequence,
      }));
  }
}
