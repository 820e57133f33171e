import { ChainStatus } from "@breakwater/proto";
import type { BlockRef } from "./chain-driver.js";

export interface HealthThresholds {
  /** A head older than this (chain time vs. now) makes the chain degraded and the watcher not ready. */
  readonly staleMs: number;
  /** A head older than this makes the chain down. */
  readonly downMs: number;
}

export interface ChainHealth {
  readonly status: ChainStatus;
  readonly detail: string;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/**
 * What the watcher knows about its chain right now: the head, the last
 * processed block, the bus connection and the driver's troubles. Pure: it
 * turns that into the status heartbeats carry and the readiness answer.
 */
export class ChainProgress {
  head: BlockRef | undefined;
  processed: BlockRef | undefined;
  connected = false;
  private trouble: string | undefined;
  private failure: string | undefined;

  constructor(private readonly thresholds: HealthThresholds) {}

  setHead(head: BlockRef): void {
    if (!this.head || head.number >= this.head.number) this.head = head;
  }

  /** A block was processed: the driver runs again if it had failed. */
  setProcessed(block: BlockRef): void {
    this.processed = block;
    this.failure = undefined;
    if (!this.head || block.number > this.head.number) this.head = block;
  }

  /** The driver has trouble following but keeps trying (undefined clears it). */
  setTrouble(detail: string | undefined): void {
    this.trouble = detail;
  }

  /** The driver failed and is being restarted (undefined once it runs again). */
  setFailure(reason: string | undefined): void {
    this.failure = reason;
  }

  headAgeMs(nowMs: number): number | undefined {
    return this.head ? Math.max(0, nowMs - this.head.timeMs) : undefined;
  }

  health(nowMs: number): ChainHealth {
    if (this.failure)
      return { status: ChainStatus.CHAIN_STATUS_DOWN, detail: `driver failed: ${this.failure}` };
    const age = this.headAgeMs(nowMs);
    if (age === undefined || !this.head)
      return { status: ChainStatus.CHAIN_STATUS_DEGRADED, detail: "starting: no block seen yet" };
    const stale = `no new block for ${seconds(age)} (head ${this.head.number})`;
    if (age > this.thresholds.downMs) return { status: ChainStatus.CHAIN_STATUS_DOWN, detail: stale };
    if (age > this.thresholds.staleMs) return { status: ChainStatus.CHAIN_STATUS_DEGRADED, detail: stale };
    if (this.trouble) return { status: ChainStatus.CHAIN_STATUS_DEGRADED, detail: this.trouble };
    const lagMs = this.head.timeMs - (this.processed?.timeMs ?? Number.NEGATIVE_INFINITY);
    if (lagMs > this.thresholds.staleMs) {
      const behind = this.head.number - (this.processed?.number ?? -1);
      return {
        status: ChainStatus.CHAIN_STATUS_DEGRADED,
        detail: `catching up: ${behind} blocks behind the head`,
      };
    }
    return { status: ChainStatus.CHAIN_STATUS_HEALTHY, detail: "following" };
  }

  /** Why the watcher cannot do its job now, or undefined when it can. */
  notReadyReason(nowMs: number): string | undefined {
    if (!this.connected) return "not connected to NATS";
    if (this.failure) return `driver failed: ${this.failure}`;
    const age = this.headAgeMs(nowMs);
    if (age === undefined) return "not following yet: no block seen";
    if (age > this.thresholds.staleMs) return `head is stale: no new block for ${seconds(age)}`;
    return undefined;
  }
}
