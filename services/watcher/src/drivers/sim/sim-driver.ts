import type { BlockEvent, ChainDriver, ChainEventSink, Checkpoint, ResumeData } from "../../chain-driver.js";
import { CheckpointMismatchError, requireCheckpointOf } from "../../errors.js";
import { abortableSleep as sleep } from "../abortable-sleep.js";
import { type Scenario, scenarioFingerprint } from "./scenario.js";
import { SimChain } from "./sim-chain.js";

export interface SimDriverOptions {
  readonly scenario: Scenario;
  readonly chainId: string;
  /** Wall-clock time of block 0. Default: the checkpoint's, else the time of the first start. */
  readonly genesisMs?: number | undefined;
  /** The wall clock (tests may pass their own). */
  readonly now?: () => number;
}

/**
 * A simulated chain that produces a block every `blockTimeMs` of wall clock
 * from genesis. Block content is deterministic (see SimChain), so a restart
 * from a checkpoint republishes nothing new and skips nothing.
 */
export class SimDriver implements ChainDriver {
  readonly kind = "sim";
  readonly chainId: string;
  private readonly scenario: Scenario;
  private readonly fingerprint: string;
  private readonly configuredGenesisMs: number | undefined;
  private readonly firstStartMs: number;
  private readonly now: () => number;
  /** Kept between starts, so a restart after a transient failure need not replay from genesis. */
  private chain: SimChain | undefined;

  constructor(opts: SimDriverOptions) {
    this.scenario = opts.scenario;
    this.chainId = opts.chainId;
    if (!opts.scenario.chains[opts.chainId])
      throw new RangeError(`chain ${opts.chainId} is not in the scenario`);
    this.fingerprint = scenarioFingerprint(opts.scenario);
    this.configuredGenesisMs = opts.genesisMs;
    this.now = opts.now ?? Date.now;
    this.firstStartMs = this.now();
  }

  async start(from: Checkpoint | undefined, sink: ChainEventSink, signal: AbortSignal): Promise<void> {
    const genesisMs = this.genesisFor(from);
    const chain = this.chainAfter(from, genesisMs);
    const resume: ResumeData = { genesisMs, scenario: this.fingerprint };
    let reportedHead = -1;
    while (!signal.aborted) {
      const head = chain.timeline.headAt(this.now());
      if (head < chain.next) {
        await sleep(chain.timeline.timeOf(chain.next) - this.now(), signal);
        continue;
      }
      if (head !== reportedHead) {
        await sink.head(chain.ref(head));
        reportedHead = head;
      }
      const block = chain.produce();
      const observedAtMs = this.now();
      for (const event of block.events) await sink.publish(observed(event, observedAtMs));
      await sink.processed(block.ref, resume);
    }
  }

  private genesisFor(from: Checkpoint | undefined): number {
    if (!from) return this.configuredGenesisMs ?? this.firstStartMs;
    const hint = `start with the scenario and genesis that wrote it, or delete key "${this.chainId}" from the checkpoint bucket`;
    requireCheckpointOf(
      from,
      this.chainId,
      this.kind,
      { key: "scenario", expected: this.fingerprint, what: "was written with scenario" },
      hint,
    );
    const stored = from.resume["genesisMs"];
    if (typeof stored !== "number")
      throw new CheckpointMismatchError(this.chainId, "the checkpoint has no genesisMs", hint);
    if (this.configuredGenesisMs !== undefined && this.configuredGenesisMs !== stored)
      throw new CheckpointMismatchError(
        this.chainId,
        `BW_SIM_GENESIS_MS is ${this.configuredGenesisMs} but the checkpoint's genesis is ${stored}`,
        hint,
      );
    return stored;
  }

  /** A chain whose next block is the one after the checkpoint, verified against its hash. */
  private chainAfter(from: Checkpoint | undefined, genesisMs: number): SimChain {
    const next = from ? from.blockNumber + 1 : 0;
    let chain = this.chain;
    if (!chain || chain.next !== next || chain.timeline.genesisMs !== genesisMs) {
      chain = new SimChain(this.scenario, this.chainId, genesisMs);
      if (from) chain.skipThrough(from.blockNumber);
    }
    if (from && chain.ref(from.blockNumber).hash !== from.blockHash)
      throw new CheckpointMismatchError(
        this.chainId,
        `block ${from.blockNumber} has hash ${chain.ref(from.blockNumber).hash}, the checkpoint says ${from.blockHash}`,
        "the scenario's seed changed; delete the checkpoint to start over",
      );
    this.chain = chain;
    return chain;
  }
}

/** Stamps the watcher's clock on an event. */
function observed(e: BlockEvent, observedAtMs: number): BlockEvent {
  switch (e.kind) {
    case "position":
      return { kind: e.kind, value: { ...e.value, observedAtMs } };
    case "price":
      return { kind: e.kind, value: { ...e.value, observedAtMs } };
    case "retraction":
      return { kind: e.kind, value: { ...e.value, observedAtMs } };
  }
}
