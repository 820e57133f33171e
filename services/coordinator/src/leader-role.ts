import {
  type Bus,
  codecs,
  consumeDurable,
  consumers,
  extractTrace,
  type RunningConsumer,
  storedAtMsOf,
  streams,
} from "@breakwater/bus";
import { asError, type PolicyRule, type SignalDraft } from "@breakwater/core";
import { type Signal, SignalKind } from "@breakwater/proto";
import { inSpan, type Logger } from "@breakwater/telemetry";
import { context, trace } from "@opentelemetry/api";
import { DecisionWriter } from "./decision-writer.js";
import { NotLeaderError } from "./errors.js";
import type { SignalLogFollower } from "./log-follower.js";
import { coordinatorMetrics } from "./metrics.js";
import { FutureTimeError, observe } from "./observations.js";
import { decisionTimeMs, rebuildPolicy } from "./rebuild.js";
import type { SignalIndex } from "./signal-index.js";
import { SignalLog } from "./signal-log.js";

export interface LeaderRoleDeps {
  readonly bus: Bus;
  readonly index: SignalIndex;
  readonly follower: SignalLogFollower;
  readonly log: Logger;
  readonly clock: () => number;
  readonly leadMs: number;
  readonly assessmentAckWaitMs: number;
  /** How far past its storage time an assessment's price time may lie. */
  readonly maxFutureSkewMs: number;
  /** Fresh rules of the policy in force, and the window their rebuild needs. */
  readonly rules: () => { rules: PolicyRule[]; windowMs: number };
  readonly sign: (signal: Signal) => Signal;
  /** How often the rules' timers are judged on the coordinator's clock (default 250 ms). */
  readonly tickMs?: number;
  /** True while the lease of `term` is held. */
  readonly holdsLease: (term: number) => boolean;
  /**
   * The log holds an entry this leader did not append during its term (a later
   * term, a foreign entry): it can no longer trust its view of the log and must
   * step down so the election runs again above the highest term seen.
   */
  readonly onUnexpectedEntry: (reason: UnexpectedEntryReason, detail: Record<string, unknown>) => void;
}

/**
 * Assessments being decided or appended at once. Decisions stay in arrival
 * order (the decision writer evaluates each as it comes); this bounds how many
 * wait for their signals to be appended before being acked.
 */
const ASSESSMENTS_IN_FLIGHT = 256;

export type UnexpectedEntryReason = "later_term" | "foreign_entry";

/**
 * The first entry of every term: it moves the log's tail, so an append by a
 * deposed leader (whose view of the tail predates it) is fenced by the stream.
 * It is internal: no venue receives it.
 */
export function termStartDraft(term: number, replicaId: string): SignalDraft {
  return {
    signalId: `leader-term:${term}`,
    kind: SignalKind.SIGNAL_KIND_ADVISORY,
    ruleId: "leader-election",
    scope: { assets: [], markets: [], venues: [], chains: [], internal: true },
    reason: `coordinator replica ${replicaId} became leader (term ${term})`,
    evidence: [{ name: "leader_term", value: term, threshold: 0, detail: replicaId }],
    action: { $case: "advisory", value: { code: "leader_elected", message: `term ${term}` } },
    durationMs: 0,
  };
}

/**
 * What only the leader does, for one term: rebuild the policy from the log and
 * the processed assessments, open the term with a term-start signal, then
 * consume assessments and append decisions (signed, carrying the term).
 */
export class LeaderRole {
  private consumer: RunningConsumer | undefined;
  private unfollow: (() => void) | undefined;
  private signalLog: SignalLog | undefined;
  /** Sequence of this term's opening entry, once appended. */
  private openedAt: number | undefined;
  /** Entries read before the term's opening entry was known: checked once it is. */
  private early: { sequence: number; signal: Signal | undefined }[] = [];
  private appendFailure: string | undefined;
  private stopped = false;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly deps: LeaderRoleDeps,
    readonly term: number,
    private readonly replicaId: string,
  ) {}

  async start(): Promise<void> {
    const { bus, index, log, clock } = this.deps;
    const started = performance.now();
    await this.deps.follower.caughtUp();
    const signalLog = new SignalLog(bus, index, {
      leadMs: this.deps.leadMs,
      leaderTerm: this.term,
      clock,
      sign: this.deps.sign,
      holdsLease: () => this.deps.holdsLease(this.term),
    });
    this.signalLog = signalLog;
    const { rules, windowMs } = this.deps.rules();
    const decisions = new DecisionWriter(rules, signalLog, log);
    const { owed, ...rebuilt } = await rebuildPolicy(
      bus,
      index,
      decisions,
      { windowMs, maxFutureSkewMs: this.deps.maxFutureSkewMs, clock },
      log,
    );
    this.unfollow = index.onEntry((sequence, signal) => {
      if (signal) decisions.restore(signal);
      this.check(sequence, signal);
    });
    const opened = await signalLog.append(termStartDraft(this.term, this.replicaId));
    this.openedAt = opened.signal.sequence;
    for (const entry of this.early.splice(0)) this.check(entry.sequence, entry.signal);
    log.info(
      { term: this.term, sequence: opened.signal.sequence, ...rebuilt, owed: owed.length },
      "leader term opened; policy rebuilt from the signal log and processed assessments",
    );
    // Decisions the rules count as made but the log lacks (a lost append, a dead-lettered
    // assessment, a new policy) are issued now, while they are still in force.
    if (owed.length > 0) {
      const issued = await decisions.issue(owed.map((m) => m.draft));
      for (const [i, appended] of issued.entries()) {
        const missing = owed[i]!;
        coordinatorMetrics.reconciled.inc({ outcome: "issued", rule: missing.draft.ruleId });
        log.warn(
          {
            sequence: appended.signal.sequence,
            signalId: missing.draft.signalId,
            assessmentId: missing.assessmentId,
            decidedAtMs: missing.decidedAtMs,
          },
          "issued a decision the log was missing (made before this term, still in force)",
        );
      }
    }
    const tracer = trace.getTracer("breakwater.coordinator");
    this.consumer = await consumeDurable(bus, {
      stream: streams.assessments.name,
      durable: consumers.coordinatorAssessments,
      service: "coordinator",
      ackWaitMs: this.deps.assessmentAckWaitMs,
      // Decisions are made one assessment after another as they arrive; while one's
      // append is in flight the next are decided and join the next pipelined burst.
      concurrency: ASSESSMENTS_IN_FLIGHT,
      log,
      decode: (subject, data, msg) => {
        try {
          return observe(codecs.assessment.decode(data, subject), subject, {
            storedAtMs: storedAtMsOf(msg),
            maxFutureSkewMs: this.deps.maxFutureSkewMs,
          });
        } catch (err) {
          coordinatorMetrics.rejectedAssessments.inc({
            reason: err instanceof FutureTimeError ? "future_time" : "malformed",
          });
          throw err;
        }
      },
      handle: async (observed, msg) => {
        // A leader paused past its lease must not even read: the observation belongs to the next leader.
        if (!this.deps.holdsLease(this.term)) {
          throw new NotLeaderError(this.term, "the lease is lost; leaving the assessment to the next leader");
        }
        coordinatorMetrics.assessments.inc({
          outcome: observed.kind === "unpriceable" ? "unpriceable" : "evaluated",
        });
        // The correlator's trace continues here and, through the append, into the signal log.
        await context.with(extractTrace(msg.headers), () =>
          inSpan(tracer, "coordinator.decide", async (span) => {
            span.setAttribute("breakwater.asset", observed.observation.asset);
            // Decided at the time the stream stored it: a redelivery or a replay decides the same.
            const at = decisionTimeMs(storedAtMsOf(msg), clock);
            try {
              const appended = await decisions.decide(observed.observation, at);
              this.appendFailure = undefined;
              span.setAttribute("breakwater.signals", appended.length);
            } catch (err) {
              this.appendFailure = asError(err).message;
              throw err;
            }
          }),
        );
      },
    });
    this.startTicking(decisions);
    log.info(
      { term: this.term, tookMs: Math.round(performance.now() - started) },
      "leader is consuming assessments",
    );
  }

  /**
   * Timers (a limit state's 15 s) run on the coordinator's clock: every
   * `tickMs` the rules judge them without waiting for the next assessment.
   * One tick at a time; a failed append is logged and retried with the next.
   */
  private startTicking(decisions: DecisionWriter): void {
    let busy = false;
    this.ticker = setInterval(() => {
      if (busy || this.stopped || !this.deps.holdsLease(this.term)) return;
      busy = true;
      decisions
        .tick(this.deps.clock())
        .then(
          () => {
            this.appendFailure = undefined;
          },
          (err: unknown) => {
            this.appendFailure = asError(err).message;
            this.deps.log.warn(
              { err: asError(err).message, term: this.term },
              "a timer's decision could not be appended",
            );
          },
        )
        .finally(() => {
          busy = false;
        });
    }, this.deps.tickMs ?? 250);
    this.ticker.unref();
  }

  /** Why this leader cannot append right now, or undefined when it can. */
  notReadyReason(): string | undefined {
    if (this.openedAt === undefined) return `leader of term ${this.term} has not opened its term yet`;
    if (this.appendFailure) return `leader of term ${this.term} cannot append: ${this.appendFailure}`;
    return undefined;
  }

  /** Any entry after this term opened must be one this leader appended. */
  private check(sequence: number, signal: Signal | undefined): void {
    if (this.stopped) return;
    if (this.openedAt === undefined) {
      this.early.push({ sequence, signal });
      return;
    }
    if (sequence <= this.openedAt || (signal && this.signalLog?.appendedHere(signal.signalId))) return;
    const reason: UnexpectedEntryReason =
      signal && signal.leaderTerm > this.term ? "later_term" : "foreign_entry";
    coordinatorMetrics.unexpectedLogEntries.inc({ reason });
    this.stopped = true;
    this.deps.onUnexpectedEntry(reason, {
      term: this.term,
      sequence,
      signalId: signal?.signalId,
      entryTerm: signal?.leaderTerm,
    });
  }

  /** Appends a signal that no rule made (e.g. an ack advisory) under this term. */
  async issue(draft: SignalDraft): Promise<Signal | undefined> {
    if (!this.signalLog || !this.consumer) return undefined;
    return (await this.signalLog.append(draft)).signal;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.ticker);
    await this.consumer?.stop();
    this.consumer = undefined;
    this.unfollow?.();
    this.unfollow = undefined;
  }
}
