import type { Logger } from "@breakwater/telemetry";
import type { ChainDriver, ChainEventSink, Checkpoint } from "../../chain-driver.js";
import { AdapterSet } from "./adapter-set.js";
import type { LogAdapter } from "./adapters/adapter.js";
import { ChainReads } from "./chain-reads.js";
import { createAdapter } from "./create-adapters.js";
import { restoreCursor } from "./cursor.js";
import type { EvmChainConfig } from "./evm-config.js";
import { Follower } from "./follower.js";
import { HeadSubscription } from "./head-subscription.js";
import { RpcPool } from "./rpc-pool.js";

export interface EvmDriverOptions {
  /** Breakwater chain id (subjects, checkpoints, event ids). */
  readonly chainId: string;
  readonly config: EvmChainConfig;
  readonly log: Logger;
  /** Extra adapters besides the configured ones (tests, embedding). */
  readonly adapters?: readonly LogAdapter[];
  readonly now?: () => number;
}

/**
 * Follows an EVM chain through its RPC endpoints with viem: learns of new
 * heads from a websocket subscription where an endpoint has one (polling as
 * the fallback and, slower, as a cross-check) or else by polling the head,
 * processes blocks `confirmations` deep, block by block near the head (each
 * block's parent hash checked against the window of recent hashes) and by
 * eth_getLogs ranges when behind (backfill, splitting ranges the provider
 * refuses). A reorg walks back to the common ancestor, retracts the events of
 * the orphaned blocks and reprocesses; one deeper than the window is an alarm.
 * Each run is a Follower (follower.ts); the driver holds what runs share.
 */
export class EvmDriver implements ChainDriver {
  readonly kind = "evm";
  readonly chainId: string;
  readonly pool: RpcPool;
  private readonly cfg: EvmChainConfig;
  private readonly log: Logger;
  private readonly reads: ChainReads;
  private readonly adapters: AdapterSet;
  private readonly now: () => number;

  constructor(opts: EvmDriverOptions) {
    this.chainId = opts.chainId;
    this.cfg = opts.config;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    if (opts.config.rpc.length === 0)
      throw new RangeError(`chain ${opts.chainId}: no RPC endpoint configured`);
    this.pool = new RpcPool({
      chain: opts.chainId,
      chainNumericId: opts.config.chainId,
      endpoints: opts.config.rpc,
      log: opts.log,
      maxHeadLagBlocks: opts.config.maxHeadLagBlocks,
      timeoutMs: opts.config.requestTimeoutMs,
    });
    this.adapters = new AdapterSet([...opts.config.adapters.map(createAdapter), ...(opts.adapters ?? [])]);
    this.reads = new ChainReads(this.pool, this.adapters);
  }

  /** Pushed heads from the endpoints that have a websocket, if any. */
  private headSubscription(): HeadSubscription | undefined {
    const endpoints = this.pool.socketEndpoints();
    if (endpoints.length === 0) return undefined;
    return new HeadSubscription({
      chain: this.chainId,
      endpoints,
      log: this.log,
      silenceMs: this.cfg.headSilenceMs,
      trusted: (endpoint) => this.pool.checkedInRotation(endpoint),
      now: this.now,
    });
  }

  async start(from: Checkpoint | undefined, sink: ChainEventSink, signal: AbortSignal): Promise<void> {
    const cursor = restoreCursor(from, {
      chainId: this.chainId,
      driverKind: this.kind,
      chainNumericId: this.cfg.chainId,
      windowBlocks: this.cfg.windowBlocks,
      log: this.log,
    });
    const deps = {
      chain: this.chainId,
      cfg: this.cfg,
      pool: this.pool,
      reads: this.reads,
      adapters: this.adapters,
      log: this.log,
      now: this.now,
      heads: this.headSubscription(),
    };
    deps.heads?.start();
    try {
      await new Follower(deps, cursor, sink, signal).run();
    } finally {
      deps.heads?.stop();
    }
  }
}
