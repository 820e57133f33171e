import { asError } from "@breakwater/core";
import type { Logger } from "@breakwater/telemetry";
import { type AckWatch, unackedAdvisory } from "./ack-watch.js";
import type { LeaderRole } from "./leader-role.js";
import { coordinatorMetrics } from "./metrics.js";
import type { SignalIndex } from "./signal-index.js";

export interface AckAlertOptions {
  readonly ackWatch: AckWatch;
  readonly index: SignalIndex;
  readonly log: Logger;
  readonly clock: () => number;
  readonly intervalMs: number;
  /** Append an advisory naming the venues that missed a halt (leader only). */
  readonly advisory: boolean;
  readonly leader: () => LeaderRole | undefined;
}

export interface AckAlerts {
  /** Runs one check now (the timer runs it every interval). */
  check(): void;
  stop(): void;
}

/**
 * Raises the alarm when venues have not acked a halt by its effective time:
 * a metric and a warning per halt on every replica, and, on the leader when
 * configured, an advisory signal naming the venues that are missing.
 */
export function startAckAlerts(opts: AckAlertOptions): AckAlerts {
  const { ackWatch, index, log } = opts;
  const check = () => {
    const late = ackWatch.check(opts.clock());
    coordinatorMetrics.unackedHaltsOpen.set(ackWatch.outstanding);
    const bySequence = new Map<number, string[]>();
    for (const l of late) {
      coordinatorMetrics.unackedHalts.inc({ venue: l.venueId });
      bySequence.set(l.sequence, [...(bySequence.get(l.sequence) ?? []), l.venueId]);
    }
    for (const [sequence, missing] of bySequence) {
      log.warn({ sequence, venues: missing }, "venues had not acked a halt by its effective time");
      const halt = index.get(sequence);
      const leader = opts.leader();
      if (opts.advisory && leader && halt) {
        leader.issue(unackedAdvisory(halt, missing)).catch((err: unknown) => {
          log.warn({ sequence, err: asError(err).message }, "could not append the unacked-halt advisory");
        });
      }
    }
  };
  const timer = setInterval(check, opts.intervalMs);
  return { check, stop: () => clearInterval(timer) };
}
