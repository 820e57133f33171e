import type { BlockEvent } from "../../../chain-driver.js";
import type { ChainLog } from "../rpc-schemas.js";
import type { ContractReader, LogAdapter, LogContext, PriceDistrust } from "./adapter.js";
import { aggregatorEvents, latestRound, roundData } from "./chainlink-feed.js";

export interface SequencerUptimeConfig {
  /** The L2 sequencer-uptime feed (answer 0 = up, 1 = down). */
  readonly address: `0x${string}`;
  /** After the sequencer comes back, prices stay untrustworthy this long (Chainlink suggests 3600 s). */
  readonly gracePeriodSeconds: number;
}

/**
 * Whether a chain's prices can be trusted, from its sequencer-uptime feed:
 * not while the sequencer is down, nor within the grace period after it came
 * back (positions could not be topped up meanwhile). The period runs from the
 * status round's own `startedAt` (when the change happened, which the L2 may
 * learn later), as Chainlink's consumers check it. Pure state.
 */
export class SequencerGate {
  private up = true;
  /** Chain time (ms) of the last status change. */
  private sinceMs = 0;

  constructor(private readonly gracePeriodMs: number) {}

  get isUp(): boolean {
    return this.up;
  }

  set(up: boolean, sinceMs: number): void {
    this.up = up;
    this.sinceMs = sinceMs;
  }

  /** Why prices at chain time `atMs` are untrustworthy, or undefined when they can be trusted. */
  distrust(atMs: number): string | undefined {
    if (!this.up) return "sequencer down";
    const since = atMs - this.sinceMs;
    if (since < this.gracePeriodMs)
      return `sequencer back up ${Math.round(since / 1000)}s ago, within the ${this.gracePeriodMs / 1000}s grace period`;
    return undefined;
  }
}

/**
 * Follows the sequencer-uptime feed's AnswerUpdated logs into a SequencerGate
 * (a status change read back with getRoundData for its `startedAt`);
 * publishes nothing.
 */
export class SequencerUptimeAdapter implements LogAdapter {
  readonly name = "sequencer-uptime";
  /** The gate judges each price tick at its block's time. */
  readonly needsBlockTime = true;
  readonly addresses: readonly `0x${string}`[];
  readonly gate: SequencerGate;

  constructor(cfg: SequencerUptimeConfig) {
    this.addresses = [cfg.address.toLowerCase() as `0x${string}`];
    this.gate = new SequencerGate(cfg.gracePeriodSeconds * 1000);
  }

  /** Reads the feed's status as of `blockNumber` (on start). */
  async prepare(reader: ContractReader, blockNumber: number): Promise<void> {
    const round = await latestRound(reader, this.addresses[0]!, blockNumber);
    this.gate.set(round.answer === 0n, round.startedAtMs);
  }

  distrustPrices(atMs: number): PriceDistrust | undefined {
    const detail = this.gate.distrust(atMs);
    if (detail === undefined) return undefined;
    return { reason: this.gate.isUp ? "grace" : "down", detail };
  }

  async decode(log: ChainLog, ctx: LogContext): Promise<BlockEvent[]> {
    let update: { up: boolean; roundId: bigint } | undefined;
    try {
      const decoded = aggregatorEvents.decode(log.topics, log.data);
      if (decoded.eventName === "AnswerUpdated")
        update = { up: decoded.args.current === 0n, roundId: decoded.args.roundId };
    } catch {
      // not a status update
    }
    // a repeated status is not a change: the grace period runs from the change, as the feed dates it
    if (update && update.up !== this.gate.isUp) {
      const round = await roundData(ctx.reader, this.addresses[0]!, update.roundId, log.blockNumber);
      this.gate.set(update.up, round.startedAtMs > 0 ? round.startedAtMs : ctx.blockTimeMs);
    }
    return [];
  }
}
