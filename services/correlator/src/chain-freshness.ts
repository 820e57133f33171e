import { type ChainCondition, type ChainHeartbeat, ChainStatus, chainStatusToJSON } from "@breakwater/proto";

/** How fresh one chain's data is, on the correlator's clock. */
export interface ChainFreshnessView {
  readonly chainId: string;
  /** Watcher time of the newest heartbeat (0 when none arrived yet). */
  readonly lastHeartbeatMs: number;
  /** Time since that heartbeat, or since the chain was first seen when it never sent one. */
  readonly ageMs: number;
  readonly stale: boolean;
  /** Status the watcher reported in its newest heartbeat. */
  readonly status: string;
  readonly headNumber: number;
  /** The watcher's reason for its status (empty when healthy). */
  readonly detail: string;
}

interface ChainRecord {
  firstSeenMs: number;
  lastHeartbeatMs: number;
  status: ChainStatus;
  headNumber: number;
  detail: string;
}

/**
 * Each chain's last heartbeat. A chain is stale when its watcher has been
 * silent for longer than `staleAfterMs`, or when its newest heartbeat says the
 * chain is down. Heartbeat times are the watcher's `observed_at_ms`, capped at
 * the moment the correlator received them, so replaying old heartbeats after a
 * restart keeps a silent chain stale and a watcher clock running ahead cannot
 * keep a chain fresh. A chain seen only through other events (no heartbeat
 * yet) ages from the moment it was first seen.
 */
export class ChainFreshnessTracker {
  private readonly chains = new Map<string, ChainRecord>();

  constructor(readonly staleAfterMs: number) {
    if (!(staleAfterMs > 0)) throw new RangeError(`staleAfterMs must be positive, got ${staleAfterMs}`);
  }

  /** Notes that a chain exists (from any of its events). */
  seen(chainId: string, observedAtMs: number, receivedAtMs: number): void {
    if (this.chains.has(chainId)) return;
    this.chains.set(chainId, {
      firstSeenMs: capped(observedAtMs, receivedAtMs),
      lastHeartbeatMs: 0,
      status: ChainStatus.CHAIN_STATUS_UNSPECIFIED,
      headNumber: 0,
      detail: "",
    });
  }

  heartbeat(hb: ChainHeartbeat, receivedAtMs: number): void {
    const at = capped(hb.observedAtMs, receivedAtMs);
    this.seen(hb.chainId, at, receivedAtMs);
    const record = this.chains.get(hb.chainId)!;
    if (at < record.lastHeartbeatMs) return; // an older heartbeat arriving late
    record.lastHeartbeatMs = at;
    record.status = hb.status;
    record.headNumber = hb.headNumber;
    record.detail = hb.detail;
  }

  /**
   * The chains of `chainIds` whose newest heartbeat reports them DEGRADED or
   * DOWN, with the watcher's reason, sorted by chain.
   */
  degraded(chainIds: Iterable<string>): ChainCondition[] {
    const out: ChainCondition[] = [];
    for (const chainId of new Set(chainIds)) {
      const r = this.chains.get(chainId);
      if (r && (r.status === ChainStatus.CHAIN_STATUS_DEGRADED || r.status === ChainStatus.CHAIN_STATUS_DOWN))
        out.push({ chainId, status: r.status, detail: r.detail });
    }
    return out.sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0));
  }

  isStale(chainId: string, nowMs: number): boolean {
    const record = this.chains.get(chainId);
    return record ? staleness(record, nowMs, this.staleAfterMs).stale : true;
  }

  /** Every known chain, sorted by id. */
  view(nowMs: number): ChainFreshnessView[] {
    return [...this.chains.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([chainId, record]) => ({
        chainId,
        lastHeartbeatMs: record.lastHeartbeatMs,
        ...staleness(record, nowMs, this.staleAfterMs),
        status: chainStatusToJSON(record.status),
        headNumber: record.headNumber,
        detail: record.detail,
      }));
  }

  staleChains(nowMs: number): string[] {
    return this.view(nowMs)
      .filter((c) => c.stale)
      .map((c) => c.chainId);
  }

  get size(): number {
    return this.chains.size;
  }
}

function capped(observedAtMs: number, receivedAtMs: number): number {
  return observedAtMs > 0 ? Math.min(observedAtMs, receivedAtMs) : receivedAtMs;
}

function staleness(record: ChainRecord, nowMs: number, staleAfterMs: number) {
  const since = record.lastHeartbeatMs || record.firstSeenMs;
  const ageMs = Math.max(0, nowMs - since);
  return { ageMs, stale: ageMs > staleAfterMs || record.status === ChainStatus.CHAIN_STATUS_DOWN };
}
