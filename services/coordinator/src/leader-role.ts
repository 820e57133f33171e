import {
  type Bus,
  codecs,
  consumeDurable,
  consumers,
  extractTrace,
  type RunningConsumer,
  streams,
} from "@breakwater/bus";
import type { PolicyRule, SignalDraft } from "@breakwater/core";
import { type Signal, SignalKind } from "@breakwater/proto";
import { inSpan, type Logger } from "@breakwater/telemetry";
import { context, trace } from "@opentelemetry/api";
import { NotLeaderError } from "./errors.js";
import type { SignalLogFollower } from "./log-follower.js";
import { coordinatorMetrics } from "./metrics.js";
import { observe } from "./observations.js";
import { Policy } from "./policy.js";
import { rebuildPolicy } from "./rebuild.js";
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
  /** Fresh rules of the policy in force, and the window their rebuild needs. */
  readonly rules: () => { rules: PolicyRule[]; windowMs: number };
  readonly sign: (signal: Signal) => Signal;
  /** True while the lease of `term` is held. */
  readonly holdsLease: (term: number) => boolean;
}

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
    const policy = new Policy(rules, signalLog, log);
    const rebuilt = await rebuildPolicy(bus, index, policy, windowMs, log, clock);
    this.unfollow = index.onEntry((_seq, signal) => {
      if (signal) policy.restore(signal);
    });
    const opened = await signalLog.append(termStartDraft(this.term, this.replicaId));
    log.info(
      { term: this.term, sequence: opened.signal.sequence, ...rebuilt },
      "leader term opened; policy rebuilt from the signal log and processed assessments",
    );
    const tracer = trace.getTracer("breakwater.coordinator");
    this.consumer = await consumeDurable(bus, {
      stream: streams.assessments.name,
      durable: consumers.coordinatorAssessments,
      service: "coordinator",
      ackWaitMs: this.deps.assessmentAckWaitMs,
      log,
      decode: (subject, data) => observe(codecs.assessment.decode(data, subject), subject),
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
            const appended = await policy.decide(observed.observation, clock());
            span.setAttribute("breakwater.signals", appended.length);
          }),
        );
      },
    });
    log.info(
      { term: this.term, tookMs: Math.round(performance.now() - started) },
      "leader is consuming assessments",
    );
  }

  /** Appends a signal that no rule made (e.g. an ack advisory) under this term. */
  async issue(draft: SignalDraft): Promise<Signal | undefined> {
    if (!this.signalLog || !this.consumer) return undefined;
    return (await this.signalLog.append(draft)).signal;
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
    this.unfollow?.();
    this.unfollow = undefined;
  }
}
