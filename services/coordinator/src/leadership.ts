import type { Bus } from "@breakwater/bus";
import { asError, Backoff } from "@breakwater/core";
import type { Signal } from "@breakwater/proto";
import type { Logger } from "@breakwater/telemetry";
import type { ActivePolicy } from "./active-policy.js";
import { LeaderLease } from "./leader-lease.js";
import { LeaderRole } from "./leader-role.js";
import type { SignalLogFollower } from "./log-follower.js";
import type { SignalIndex } from "./signal-index.js";

export interface LeadershipOptions {
  readonly bus: Bus;
  readonly index: SignalIndex;
  readonly follower: SignalLogFollower;
  readonly policy: ActivePolicy;
  readonly sign: (signal: Signal) => Signal;
  readonly log: Logger;
  readonly clock: () => number;
  readonly replicaId: string;
  readonly leaseTtlMs: number;
  readonly leaseRenewMs: number;
  readonly leadMs: number;
  readonly assessmentAckWaitMs: number;
  readonly maxFutureSkewMs: number;
}

export type LeadershipStatus = {
  readonly replicaId: string;
  readonly term: number;
  readonly leader: boolean;
  readonly logTerm: number;
};

/**
 * One replica's part in leader election: it contends for the lease and, while
 * it holds one, runs exactly one leader role for that term. Transitions are
 * serialized (a role is stopped before the next starts); a role that cannot
 * start while the lease is still held is retried with backoff rather than
 * leaving the term without a leader until the lease lapses.
 */
export class Leadership {
  private readonly lease: LeaderLease;
  private role: LeaderRole | undefined;
  private transition: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly retryBackoff = new Backoff({ initialDelayMs: 1_000, maxDelayMs: 10_000 });
  private stopped = false;

  constructor(private readonly opts: LeadershipOptions) {
    this.lease = new LeaderLease(opts.bus, {
      replicaId: opts.replicaId,
      ttlMs: opts.leaseTtlMs,
      renewMs: opts.leaseRenewMs,
      minTerm: () => opts.index.maxTerm + 1,
      log: opts.log,
    });
    this.lease.onChange((event) => this.leadFor(event.role === "leader" ? event.term : 0));
  }

  /** Joins the election; resolves once this replica knows whether it leads. */
  start(): Promise<void> {
    return this.lease.start();
  }

  /** The lease term this replica holds, or 0 while following. */
  get term(): number {
    return this.lease.term;
  }

  /** The running leader role, when this replica leads and its term has started. */
  get leader(): LeaderRole | undefined {
    return this.role;
  }

  /** A new policy takes over: the leader rebuilds its rules from the log and recent assessments. */
  policyChanged(): void {
    if (this.lease.term > 0) this.leadFor(this.lease.term);
  }

  status(): LeadershipStatus {
    const { replicaId, index } = this.opts;
    return { replicaId, term: this.lease.term, leader: this.lease.holds(), logTerm: index.maxTerm };
  }

  /**
   * Why appends cannot happen now, if they cannot: ready only while some
   * replica can append (this one as an opened, appending leader, or another
   * whose live lease's term is already opened in the log).
   */
  notReadyReason(): string | undefined {
    if (this.lease.holds())
      return this.role ? this.role.notReadyReason() : `leader of term ${this.lease.term} is starting`;
    const other = this.lease.heldElsewhere();
    if (!other) return "no replica holds the leader lease";
    if (this.opts.index.maxTerm < other.term)
      return `leader ${other.holder} has not opened term ${other.term} in the log`;
    return undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.lease.stop();
    this.leadFor(0);
    await this.transition;
  }

  private leadFor(term: number): void {
    clearTimeout(this.retryTimer);
    this.transition = this.transition.then(async () => {
      await this.role?.stop();
      this.role = undefined;
      if (term === 0 || this.stopped || this.lease.term !== term) {
        this.opts.policy.retire();
        return;
      }
      const next = this.newRole(term);
      this.role = next;
      try {
        await next.start();
        this.retryBackoff.reset();
      } catch (err) {
        await next.stop();
        if (this.role === next) this.role = undefined;
        const delayMs = this.retryBackoff.next();
        this.opts.log.error(
          { term, err: asError(err).message, retryInMs: delayMs },
          "could not take up the leader role; retrying",
        );
        this.retryTimer = setTimeout(() => {
          if (!this.stopped && this.lease.term === term && !this.role) this.leadFor(term);
        }, delayMs);
        this.retryTimer.unref();
      }
    });
  }

  private newRole(term: number): LeaderRole {
    const { bus, index, follower, log, clock, policy, sign, replicaId } = this.opts;
    return new LeaderRole(
      {
        bus,
        index,
        follower,
        log,
        clock,
        leadMs: this.opts.leadMs,
        assessmentAckWaitMs: this.opts.assessmentAckWaitMs,
        maxFutureSkewMs: this.opts.maxFutureSkewMs,
        rules: () => policy.startEngine(),
        sign,
        holdsLease: (t) => this.lease.term === t,
        onUnexpectedEntry: (reason, detail) => {
          log.error(
            { reason, ...detail },
            "the signal log holds an entry this leader did not append; stepping down to re-elect above it",
          );
          void this.lease.stepDown(`unexpected log entry (${reason})`);
        },
      },
      term,
      replicaId,
    );
  }
}
