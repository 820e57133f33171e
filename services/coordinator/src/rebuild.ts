import { ackFloor, type Bus, codecs, consumers, replay, streams } from "@breakwater/bus";
import type { Logger } from "@breakwater/telemetry";
import { observe, RecentObservations } from "./observations.js";
import type { Policy } from "./policy.js";
import type { SignalIndex } from "./signal-index.js";

export interface RebuildReport {
  readonly signalsRestored: number;
  readonly ackFloor: number;
  readonly assessmentsRead: number;
  readonly observationsReplayed: number;
}

/**
 * Rebuilds the policy after a start: every logged signal tells the rules what
 * they already decided, then the assessments the coordinator had already
 * processed (up to its durable consumer's ack floor), restricted to the rule
 * window, rebuild their price windows. Nothing is issued: whatever those
 * assessments decided is already in the log.
 */
export async function rebuildPolicy(
  bus: Bus,
  index: SignalIndex,
  policy: Policy,
  windowMs: number,
  log: Logger,
  clock: () => number = Date.now,
): Promise<RebuildReport> {
  let signalsRestored = 0;
  for (const signal of index.signals()) {
    policy.restore(signal);
    signalsRestored++;
  }
  const floor = await ackFloor(bus, streams.assessments.name, consumers.coordinatorAssessments);
  const recent = new RecentObservations(windowMs);
  let assessmentsRead = 0;
  if (floor > 0) {
    assessmentsRead = await replay(bus, {
      stream: streams.assessments.name,
      toSeq: floor,
      onMessage: (subject, data) => {
        try {
          const observed = observe(codecs.assessment.decode(data, subject), subject);
          recent.add(observed.observation);
        } catch {
          // dead-lettered when it was first consumed
        }
      },
    });
  }
  const observations = recent.observations();
  const now = clock();
  for (const obs of observations) {
    for (const draft of policy.warm(obs, now)) {
      if (!index.bySignalId(draft.signalId)) {
        log.warn(
          { signalId: draft.signalId, assessmentId: obs.assessmentId },
          "a processed assessment yields a decision the log does not hold; not issuing it on replay",
        );
      }
    }
  }
  return { signalsRestored, ackFloor: floor, assessmentsRead, observationsReplayed: observations.length };
}
