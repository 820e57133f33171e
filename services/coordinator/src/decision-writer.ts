import {
  type PolicyObservation,
  type PolicyRule,
  type Reconciliation,
  reconcile,
  type SignalDraft,
  type TimedObservation,
} from "@breakwater/core";
import type { Signal } from "@breakwater/proto";
import type { Logger } from "@breakwater/telemetry";
import type { Appended, SignalLog } from "./signal-log.js";

/**
 * Turns the rules' decisions into appended signals: every rule sees every
 * observation; what they decide is appended to the signal log. A decision whose append failed is kept and retried before
 * anything else, because the rule already counts it as made.
 */
export class DecisionWriter {
  private pending: SignalDraft[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly rules: readonly PolicyRule[],
    private readonly signalLog: SignalLog,
    private readonly log: Logger,
  ) {}

  /** Rebuilds what the rules already decided from a logged signal. */
  restore(signal: Signal): void {
    for (const rule of this.rules) rule.restore(signal);
  }

  /**
   * Restores every logged signal, re-evaluates already-processed observations
   * at their own decision times and returns what the log lacks (see core's
   * `reconcile`). Nothing is appended here.
   */
  reconcile(
    logged: Iterable<Signal>,
    observations: Iterable<TimedObservation>,
    nowMs: number,
    isLogged: (signalId: string) => boolean,
  ): Reconciliation {
    const all: PolicyRule = {
      id: "policy",
      evaluate: (o, t) => this.rules.flatMap((rule) => rule.evaluate(o, t)),
      restore: (signal) => this.restore(signal),
    };
    return reconcile(all, logged, observations, nowMs, isLogged);
  }

  /** Appends decisions already made (owed after a leader change), in order; throws if an append fails. */
  issue(drafts: readonly SignalDraft[]): Promise<Appended[]> {
    return this.serially(() => [...drafts]);
  }

  /** Evaluates a live observation and appends every decision; throws if an append fails. */
  decide(observation: PolicyObservation, nowMs: number): Promise<Appended[]> {
    return this.serially(() =>
      this.rules.flatMap((rule) =>
        rule.evaluate(observation as Parameters<PolicyRule["evaluate"]>[0], nowMs),
      ),
    );
  }

  /**
   * The rules' timers at `nowMs` on the coordinator's clock (a limit state
   * that ran out with no further price); appends what they decide. The leader
   * calls it periodically, so a timer's outcome is in the log without waiting
   * for the next observation.
   */
  tick(nowMs: number): Promise<Appended[]> {
    return this.serially(() => this.rules.flatMap((rule) => rule.tick?.(nowMs) ?? []));
  }

  /** Decisions and ticks run one at a time, in call order, each after what is still pending. */
  private serially(decideNow: () => SignalDraft[]): Promise<Appended[]> {
    const run = this.queue.then(async () => {
      const appended = await this.flushPending();
      this.pending.push(...decideNow());
      appended.push(...(await this.flushPending()));
      return appended;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async flushPending(): Promise<Appended[]> {
    const done: Appended[] = [];
    while (this.pending.length > 0) {
      const draft = this.pending[0]!;
      const result = await this.signalLog.append(draft);
      this.pending.shift();
      done.push(result);
      const { signal } = result;
      // The rules learn the logged signal (its sequence) at once, not only when the reader gets to it.
      this.restore(signal);
      this.log.info(
        {
          sequence: signal.sequence,
          signalId: signal.signalId,
          rule: signal.ruleId,
          scope: signal.scope,
          duplicate: result.duplicate,
          fenced: result.fenced,
          effectiveAtMs: signal.effectiveAtMs,
        },
        result.duplicate ? "signal already in the log" : "signal appended",
      );
    }
    return done;
  }
}
