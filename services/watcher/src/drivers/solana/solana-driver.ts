import type { Logger } from "@breakwater/telemetry";
import type { ChainDriver, ChainEventSink, Checkpoint, ResumeData } from "../../chain-driver.js";
import { requireCheckpointOf } from "../../errors.js";
import { AccountState } from "./account-state.js";
import type { AccountAdapter } from "./adapters/account-adapter.js";
import { createAccountAdapter } from "./create-adapters.js";
import { type SlotCursor, SlotFollower } from "./slot-follower.js";
import type { SolanaClusterConfig } from "./solana-config.js";
import { SolanaRpc } from "./solana-rpc.js";

export interface SolanaDriverOptions {
  /** Breakwater chain id (subjects, checkpoints, event ids). */
  readonly chainId: string;
  readonly config: SolanaClusterConfig;
  readonly log: Logger;
  /** Extra adapters besides the configured ones (tests, embedding). */
  readonly adapters?: readonly AccountAdapter[];
  readonly now?: () => number;
}

/**
 * Follows a Solana cluster through its RPC endpoints with web3.js 1.x at the
 * configured commitment: polls the slot, reads the venues' and oracles'
 * program accounts as of it, publishes the accounts that changed, corrects a
 * slot rollback by retracting what the dropped slots published, and keeps
 * each account's last data hash in the checkpoint, so a restart publishes
 * only what changed while it was down. Each run is a SlotFollower.
 */
export class SolanaDriver implements ChainDriver {
  readonly kind = "solana";
  readonly chainId: string;
  readonly rpc: SolanaRpc;
  private readonly cfg: SolanaClusterConfig;
  private readonly log: Logger;
  private readonly adapters: readonly AccountAdapter[];
  private readonly now: () => number;

  constructor(opts: SolanaDriverOptions) {
    this.chainId = opts.chainId;
    this.cfg = opts.config;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    if (opts.config.rpc.length === 0)
      throw new RangeError(`chain ${opts.chainId}: no RPC endpoint configured`);
    this.rpc = new SolanaRpc({
      chain: opts.chainId,
      commitment: opts.config.commitment,
      endpoints: opts.config.rpc.map((e) =>
        opts.config.subscribe && !("wsUrl" in e && e.wsUrl)
          ? { ...e, wsUrl: e.url.replace(/^http/, "ws") }
          : e,
      ),
      log: opts.log,
      maxSlotLag: opts.config.maxSlotLag,
      timeoutMs: opts.config.requestTimeoutMs,
    });
    this.adapters = [...opts.config.adapters.map(createAccountAdapter), ...(opts.adapters ?? [])];
  }

  async start(from: Checkpoint | undefined, sink: ChainEventSink, signal: AbortSignal): Promise<void> {
    const cursor = this.restore(from);
    const follower = new SlotFollower(
      {
        chain: this.chainId,
        rpc: this.rpc,
        adapters: this.adapters,
        log: this.log,
        pollMs: this.cfg.pollMs,
        now: this.now,
        resumeOf: (c) => this.resumeOf(c),
      },
      cursor,
      sink,
      signal,
    );
    await follower.run();
  }

  private resumeOf(cursor: SlotCursor): ResumeData {
    const { hashes, recent } = cursor.state.serialize();
    return {
      cluster: this.cfg.cluster,
      commitment: this.cfg.commitment,
      endpoint: cursor.last?.endpoint ?? "",
      hashes,
      recent,
    };
  }

  /** The cursor a checkpoint resumes at (a fresh one without); refuses another cluster's checkpoint. */
  private restore(from: Checkpoint | undefined): SlotCursor {
    if (!from) return { last: undefined, state: new AccountState(this.cfg.windowSlots) };
    requireCheckpointOf(
      from,
      this.chainId,
      this.kind,
      { key: "cluster", expected: this.cfg.cluster, what: "is of cluster" },
      `point the watcher at the cluster that wrote it, or delete key "${this.chainId}" from the checkpoint bucket`,
    );
    let state: AccountState;
    try {
      state = AccountState.parse(
        { hashes: from.resume["hashes"], recent: from.resume["recent"] },
        this.cfg.windowSlots,
      );
    } catch (err) {
      // without the hashes every account is republished once, at a new slot: states, not deltas, so no double count
      this.log.warn(
        { chain: this.chainId, err: String(err) },
        "checkpoint account state unreadable; re-reading all",
      );
      state = new AccountState(this.cfg.windowSlots);
    }
    const endpoint = typeof from.resume["endpoint"] === "string" ? from.resume["endpoint"] : "";
    return { last: { slot: from.blockNumber, timeMs: from.blockTimeMs, endpoint }, state };
  }
}
