import { type Bus, codecs, publish, replay, streams, subjects } from "@breakwater/bus";
import {
  ackStateName,
  concernsVenue,
  InvalidRequestError,
  isVenueId,
  NotFoundError,
  type VenueScope,
} from "@breakwater/core";
import { type AckRequest, AckState } from "@breakwater/proto";
import type { Logger } from "@breakwater/telemetry";
import { coordinatorMetrics } from "./metrics.js";
import type { SignalIndex } from "./signal-index.js";
import type { VenueRegistry } from "./venue-registry.js";

const ACK_STATES = new Set([
  AckState.ACK_STATE_RECEIVED,
  AckState.ACK_STATE_APPLIED,
  AckState.ACK_STATE_REJECTED,
]);

/** Checks an ack against the log; throws InvalidRequestError naming the field, or NotFoundError. */
export function validateAck(ack: AckRequest, index: SignalIndex, scope?: VenueScope): void {
  if (!isVenueId(ack.venueId)) {
    throw new InvalidRequestError("venue_id", `"${ack.venueId.slice(0, 40)}" is not a valid venue id`);
  }
  if (!ACK_STATES.has(ack.state)) {
    throw new InvalidRequestError("state", `must be RECEIVED, APPLIED or REJECTED (got ${ack.state})`);
  }
  if (!(ack.sequence > 0)) throw new InvalidRequestError("sequence", "must be positive");
  const signal = index.get(ack.sequence);
  if (!signal) {
    throw new NotFoundError(`no signal at sequence ${ack.sequence} (log is at ${index.last})`, {
      sequence: ack.sequence,
    });
  }
  if (!concernsVenue(signal, ack.venueId, scope)) {
    throw new InvalidRequestError(
      "venue_id",
      `signal ${ack.sequence} does not concern venue ${ack.venueId}; only signals in its scope can be acked`,
    );
  }
}

/**
 * Records venue acks: validated against the log, kept in the BW_ACKS stream
 * (deduplicated on venue, sequence and state) and in the venue registry.
 */
export class AckLedger {
  constructor(
    private readonly bus: Bus,
    private readonly index: SignalIndex,
    private readonly venues: VenueRegistry,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
    /** Told of every ack recorded or replayed (per-signal tracking). */
    private readonly onAck: (venueId: string, sequence: number, state: AckState, atMs: number) => void = () =>
      undefined,
  ) {}

  /** Records an ack already authorized for its venue; `scope` is that venue's registered scope. */
  async record(ack: AckRequest, scope?: VenueScope): Promise<void> {
    validateAck(ack, this.index, scope);
    const state = ackStateName(ack.state);
    await publish(
      this.bus,
      subjects.ack(ack.venueId),
      codecs.ack.encode({ ...ack, detail: ack.detail.slice(0, 1_000) }),
      { msgId: `${ack.venueId}:${ack.sequence}:${state}` },
    );
    const at = this.clock();
    this.venues.acked(ack.venueId, ack.sequence, ack.state, at);
    this.onAck(ack.venueId, ack.sequence, ack.state, at);
    coordinatorMetrics.acks.inc({ state });
    this.log.debug({ venue: ack.venueId, sequence: ack.sequence, state }, "ack recorded");
  }

  /** Rebuilds the registry from the acks stream (ack times are not kept across restarts). */
  async rebuild(): Promise<number> {
    return replay(this.bus, {
      stream: streams.acks.name,
      onMessage: (subject, data) => {
        try {
          const ack = codecs.ack.decode(data, subject);
          this.venues.acked(ack.venueId, ack.sequence, ack.state, 0);
          this.onAck(ack.venueId, ack.sequence, ack.state, 0);
        } catch (err) {
          this.log.warn({ subject, err: (err as Error).message }, "skipping unreadable ack");
        }
      },
    });
  }
}
