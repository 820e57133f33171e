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
import { type Context, context } from "@opentelemetry/api";
import type { Appended, SignalLog } from "./signal-log.js";

/** A caller waiting until every draft up to `upTo` (a count of drafts decided) is appended. */
interface Waiter {
  /** Its own drafts are numbers [from, upTo). */
  readonly from: number;
  readonly upTo: number;
  readonly results: Appended[];
  readonly resolve: (appended: Appended[]) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Turns the rules' decisions into appended signals: every rule sees every
 * observation, at once and in call order; what they decide joins the queue of
 * drafts not yet in the log. The queue is appended in pipelined bursts: while
 * one burst is in flight, later decisions gather and go together as the next
 * one, so a crash that decides hundreds of signals costs a few round trips.
 * A caller's promise settles once every draft decided up to and including its
 * own is appended. A decision whose append failed stays first in the queue and
 * is retried before anything else, because the rule already counts it as made.
 */
export class DecisionWriter {
  /** Drafts decided, not yet in the log, each with the trace it was decided in (its append continues it). */
  private readonly pending: { readonly draft: SignalDraft; readonly decidedIn: Context }[] = [];
  /** Drafts decided so far (appended ones included): numbers the waiters count in. */
  private decided = 0;
  private appendedCount = 0;
  private waiters: Waiter[] = [];
  private flushing = false;

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
    return this.enqueue([...drafts]);
  }

  /** Evaluates a live observation and appends every decision; throws if an append fails. */
  decide(observation: PolicyObservation, nowMs: number): Promise<Appended[]> {
    return this.enqueue(
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
    return this.enqueue(this.rules.flatMap((rule) => rule.tick?.(nowMs) ?? []));
  }

  /** Drafts decided but not yet in the log (a failed append's among them). */
  get backlog(): number {
    return this.pending.length;
  }

  /** Queues `drafts` behind everything decided before; settles once all of it is appended. */
  private enqueue(drafts: SignalDraft[]): Promise<Appended[]> {
    const from = this.decided;
    const decidedIn = context.active();
    for (const draft of drafts) this.pending.push({ draft, decidedIn });
    this.decided += drafts.length;
    if (this.pending.length === 0) return Promise.resolve([]);
    const settled = new Promise<Appended[]>((resolve, reject) => {
      this.waiters.push({ from, upTo: this.decided, results: [], resolve, reject });
    });
    if (!this.flushing) void this.flush();
    return settled;
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const { appended, failure } = await this.signalLog.appendAll(
          this.pending.map((p) => p.draft),
          this.pending.map((p) => p.decidedIn),
        );
        // Drafts decided meanwhile stay queued behind what this burst took.
        this.pending.splice(0, appended.length);
        for (const result of appended) this.appendedOne(result);
        if (failure !== undefined) {
          this.failWaiters(failure);
          return;
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private appendedOne(result: Appended): void {
    const number = this.appendedCount++;
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
    const waiting: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (number >= waiter.from && number < waiter.upTo) waiter.results.push(result);
      if (this.appendedCount >= waiter.upTo) waiter.resolve(waiter.results);
      else waiting.push(waiter);
    }
    this.waiters = waiting;
  }

  /** Every caller still waiting fails; their drafts stay queued for the next call to retry first. */
  private failWaiters(failure: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(failure);
  }
}
