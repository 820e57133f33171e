import { ackFloor, type Bus, codecs, consumers, replay, streams } from "@breakwater/bus";
import { type MissingDecision, RecentObservations } from "@breakwater/core";
import type { Logger } from "@breakwater/telemetry";
import type { DecisionWriter } from "./decision-writer.js";
import { coordinatorMetrics } from "./metrics.js";
import { observe } from "./observations.js";
import type { SignalIndex } from "./signal-index.js";

export interface RebuildReport {
  readonly signalsRestored: number;
  readonly ackFloor: number;
  readonly assessmentsRead: number;
  readonly observationsReplayed: number;
  /** Decisions the log lacks that are still in force: the new leader issues them. */
  readonly owed: readonly MissingDecision[];
  /** Decisions the log lacks that are no longer in force (a past period): not issued. */
  readonly lapsed: number;
}

export interface RebuildOptions {
  readonly windowMs: number;
  readonly maxFutureSkewMs: number;
  readonly clock: () => number;
}

/**
 * Rebuilds the policy when a replica takes the leader role: every logged
 * signal tells the rules what they already decided, then the assessments the
 * coordinator had already processed (up to its durable consumer's ack floor,
 * within the rule window) are evaluated again, each at its own decision time
 * (when the stream stored it, as on first evaluation), so a replay decides
 * exactly what the first evaluation decided. What they decide that the log
 * does not hold is reconciled: owed (issued by the caller once its term is
 * open) while still in force, lapsed otherwise.
 */
export async function rebuildPolicy(
  bus: Bus,
  index: SignalIndex,
  decisions: DecisionWriter,
  opts: RebuildOptions,
  log: Logger,
): Promise<RebuildReport> {
  const floor = await ackFloor(bus, streams.assessments.name, consumers.coordinatorAssessments);
  const recent = new RecentObservations(opts.windowMs);
  let assessmentsRead = 0;
  if (floor > 0) {
    assessmentsRead = await replay(bus, {
      stream: streams.assessments.name,
      toSeq: floor,
      onMessage: (subject, data, _seq, storedAtMs) => {
        try {
          const observed = observe(codecs.assessment.decode(data, subject), subject, {
            storedAtMs,
            maxFutureSkewMs: opts.maxFutureSkewMs,
          });
          recent.add({ observation: observed.observation, atMs: decisionTimeMs(storedAtMs, opts.clock) });
        } catch {
          // dead-lettered when it was first consumed; rejected again by the same rule
        }
      },
    });
  }
  const observations = recent.observations();
  const signals = [...index.signals()];
  const { owed, lapsed } = decisions.reconcile(signals, observations, opts.clock(), (id) =>
    Boolean(index.bySignalId(id)),
  );
  for (const missing of lapsed) {
    coordinatorMetrics.reconciled.inc({ outcome: "lapsed", rule: missing.draft.ruleId });
    log.warn(
      {
        signalId: missing.draft.signalId,
        assessmentId: missing.assessmentId,
        decidedAtMs: missing.decidedAtMs,
      },
      "a processed assessment made a decision the log does not hold, and it is no longer in force; not issued",
    );
  }
  return {
    signalsRestored: signals.length,
    ackFloor: floor,
    assessmentsRead,
    observationsReplayed: observations.length,
    owed,
    lapsed: lapsed.length,
  };
}

/**
 * When an assessment is decided on: when the stream stored it (the same on
 * every delivery and every replay), never later than the coordinator's clock.
 */
export function decisionTimeMs(storedAtMs: number, clock: () => number): number {
  return Math.min(storedAtMs, clock());
}
