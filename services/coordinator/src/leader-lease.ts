import { type Bus, buckets } from "@breakwater/bus";
import { asError } from "@breakwater/core";
import type { Logger } from "@breakwater/telemetry";
import type { KV } from "@nats-io/kv";
import { coordinatorMetrics } from "./metrics.js";

/** What the lease key holds. */
export interface LeaseValue {
  readonly holder: string;
  /** Strictly increasing across leaders: every acquisition is a compare-and-set. */
  readonly term: number;
}

export interface LeaderLeaseOptions {
  readonly replicaId: string;
  /** A holder that has not renewed for this long is replaced. */
  readonly ttlMs: number;
  /** Renewal (and, for followers, check) period; well under `ttlMs`. */
  readonly renewMs: number;
  /** Lowest term this replica may claim (the highest term already in the signal log + 1). */
  readonly minTerm: () => number;
  readonly log: Logger;
}

export type LeaseEvent = { readonly role: "leader"; readonly term: number } | { readonly role: "follower" };

/** The key of the lease in the leader bucket. */
export const LEASE_KEY = "coordinator";

/** Monotonic milliseconds: a wall-clock jump must not extend or shorten a lease. */
function monotonicMs(): number {
  return performance.now();
}

/**
 * Leader election through a NATS KV lease. The leader renews the lease with a
 * compare-and-set on its revision; a follower that sees the same revision for
 * `ttlMs` (on its own monotonic clock) takes the lease over with a
 * compare-and-set on that revision, under a higher term. No clocks are compared
 * across replicas. The leader considers itself leader only until `ttlMs` after
 * the start of its last successful renewal, which is never later than a
 * follower's takeover; a leader paused past that (SIGSTOP, GC) is additionally
 * fenced by the signal log itself (see SignalLog).
 */
export class LeaderLease {
  private kv: KV | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  private leaderTerm = 0;
  private revision = 0;
  /** Leader: start of the last successful renewal. */
  private renewedAt = Number.NEGATIVE_INFINITY;
  /** Follower: revision last observed and when it was first observed. */
  private seenRevision = -1;
  private seenAt = 0;
  /** Follower: the lease value last read. */
  private seenValue: LeaseValue | undefined;
  private readonly listeners = new Set<(event: LeaseEvent) => void>();

  constructor(
    private readonly bus: Bus,
    private readonly opts: LeaderLeaseOptions,
  ) {}

  /** The current term when this replica holds a live lease, else 0. */
  get term(): number {
    return this.holds() ? this.leaderTerm : 0;
  }

  /** True while this replica is leader and its lease cannot have been taken over. */
  holds(): boolean {
    return this.leaderTerm > 0 && monotonicMs() - this.renewedAt < this.opts.ttlMs;
  }

  /**
   * Follower: the lease another replica holds, when it was renewed within the
   * TTL as seen on this replica's clock; undefined when no live lease is seen.
   */
  heldElsewhere(): LeaseValue | undefined {
    if (this.leaderTerm > 0 || !this.seenValue) return undefined;
    return monotonicMs() - this.seenAt < this.opts.ttlMs ? this.seenValue : undefined;
  }

  /**
   * Gives up the lease at once (the leader found it cannot trust its view of
   * the log): the key is deleted so the next round, here or on another
   * replica, elects a leader above the highest term in the log.
   */
  async stepDown(reason: string): Promise<void> {
    if (this.leaderTerm === 0 || !this.kv) return;
    const revision = this.revision;
    this.demote(reason);
    await this.kv.delete(LEASE_KEY, { previousSeq: revision }).catch(() => undefined);
  }

  onChange(listener: (event: LeaseEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Opens the bucket and runs the first round; resolves once this replica knows its role. */
  async start(): Promise<void> {
    this.kv = await this.bus.kvm.create(buckets.leader, { history: 1 });
    await this.round();
    this.schedule();
  }

  /** Stops renewing; a leader releases the lease so a follower takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (this.leaderTerm > 0 && this.kv) {
      const term = this.leaderTerm;
      this.demote("stopping");
      await this.kv.delete(LEASE_KEY, { previousSeq: this.revision }).catch(() => undefined);
      this.opts.log.info({ term }, "leader lease released");
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => this.schedule());
    }, this.opts.renewMs);
  }

  private async round(): Promise<void> {
    try {
      if (this.leaderTerm > 0) await this.renew();
      else await this.contend();
    } catch (err) {
      this.opts.log.warn({ err: asError(err).message }, "leader lease round failed");
    }
    // A leader whose renewals keep failing (NATS unreachable) steps down at the lease's end.
    if (this.leaderTerm > 0 && !this.holds()) this.demote("the lease expired without a renewal");
  }

  private async renew(): Promise<void> {
    const started = monotonicMs();
    const value: LeaseValue = { holder: this.opts.replicaId, term: this.leaderTerm };
    try {
      this.revision = await this.kv!.update(LEASE_KEY, JSON.stringify(value), this.revision);
      this.renewedAt = started;
    } catch (err) {
      if (/wrong last sequence/i.test(asError(err).message)) {
        this.demote("another replica took the lease");
        return;
      }
      throw err;
    }
  }

  private async contend(): Promise<void> {
    const kv = this.kv!;
    const started = monotonicMs();
    const entry = await kv.get(LEASE_KEY);
    let previousTerm = 0;
    if (entry && entry.operation === "PUT") {
      this.seenValue = entry.json() as LeaseValue;
      previousTerm = this.seenValue.term ?? 0;
      if (entry.revision !== this.seenRevision) {
        this.seenRevision = entry.revision;
        this.seenAt = started;
        return;
      }
      if (started - this.seenAt < this.opts.ttlMs) return;
    } else {
      this.seenValue = undefined;
    }
    const term = Math.max(previousTerm + 1, this.opts.minTerm());
    const value = JSON.stringify({ holder: this.opts.replicaId, term } satisfies LeaseValue);
    try {
      this.revision =
        entry && entry.operation === "PUT"
          ? await kv.update(LEASE_KEY, value, entry.revision)
          : await kv.create(LEASE_KEY, value);
    } catch (err) {
      if (/wrong last sequence|key exists/i.test(asError(err).message)) return; // someone else won
      throw err;
    }
    this.renewedAt = started;
    this.leaderTerm = term;
    coordinatorMetrics.leaderTerm.set(term);
    coordinatorMetrics.isLeader.set(1);
    coordinatorMetrics.leaderElections.inc();
    this.opts.log.info(
      {
        term,
        replica: this.opts.replicaId,
        previousHolder: entry?.operation === "PUT" ? entry.json() : null,
      },
      "leader lease acquired",
    );
    this.emit({ role: "leader", term });
  }

  private demote(reason: string): void {
    const term = this.leaderTerm;
    this.leaderTerm = 0;
    this.seenRevision = -1;
    coordinatorMetrics.isLeader.set(0);
    this.opts.log.warn({ term, reason }, "leader lease lost; following");
    this.emit({ role: "follower" });
  }

  private emit(event: LeaseEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
