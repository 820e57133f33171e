import { chainEventId, formatUnits } from "@breakwater/core";
import { decodeFunctionResult, encodeFunctionData } from "viem";
import type { BlockEvent } from "../../../chain-driver.js";
import type { ChainLog } from "../rpc-schemas.js";
import {
  type ContractReader,
  coordinatesOf,
  eventSelectors,
  type FeedFreshness,
  type LogAdapter,
  type LogContext,
  LogDecodeError,
  price,
} from "./adapter.js";
import { aggregatorEventsAbi, aggregatorV3Abi } from "./chainlink-abi.js";
import { EventDecoder } from "./event-decoder.js";

export interface ChainlinkFeedConfig {
  /** The aggregator that emits AnswerUpdated (behind the feed's proxy). */
  readonly address: `0x${string}`;
  readonly asset: string;
  /** Pair as Chainlink names it, e.g. "ETH/USD" (source `chainlink:ETH/USD`). */
  readonly pair: string;
  /** Answer decimals; read from the feed with `decimals()` when not given. */
  readonly decimals?: number | undefined;
  /** The feed's heartbeat: no update for longer than this makes it stale. */
  readonly heartbeatSeconds: number;
}

/** AggregatorV3 events (feeds and sequencer-uptime feeds alike). */
export const aggregatorEvents = new EventDecoder(aggregatorEventsAbi);

/** Only AnswerUpdated becomes a tick (NewRound is ignored without decoding). */
const SELECTORS = new Set([...eventSelectors(aggregatorEventsAbi)].slice(0, 1));

/** Chainlink price feed: an AnswerUpdated log is a price tick. */
export class ChainlinkFeedAdapter implements LogAdapter {
  readonly name: string;
  readonly addresses: readonly `0x${string}`[];
  readonly source: string;
  private decimals: number | undefined;

  constructor(private readonly cfg: ChainlinkFeedConfig) {
    this.source = `chainlink:${cfg.pair}`;
    this.name = this.source;
    this.addresses = [cfg.address.toLowerCase() as `0x${string}`];
    this.decimals = cfg.decimals;
  }

  async decode(log: ChainLog, ctx: LogContext): Promise<BlockEvent[]> {
    if (!log.topics[0] || !SELECTORS.has(log.topics[0])) return [];
    const decoded = aggregatorEvents.decodeLog(log, this.name);
    if (!decoded) return [];
    if (decoded.eventName !== "AnswerUpdated") return [];
    const answer = decoded.args.current;
    if (answer <= 0n) throw new LogDecodeError(this.name, `non-positive answer ${answer}`, log);
    const decimals = await this.decimalsOf(ctx.reader, log.blockNumber);
    return [
      price({
        eventId: chainEventId(ctx.chainId, log.blockHash, log.logIndex),
        chainId: ctx.chainId,
        source: this.source,
        asset: this.cfg.asset,
        price: formatUnits(answer, decimals),
        coordinates: coordinatesOf(log),
        chainTimeMs: ctx.blockTimeMs,
        observedAtMs: ctx.observedAtMs,
      }),
    ];
  }

  /** latestRoundData at `blockNumber`, judged against the heartbeat at chain time `nowMs`. */
  async freshness(reader: ContractReader, blockNumber: number, nowMs: number): Promise<FeedFreshness> {
    const round = await latestRound(reader, this.addresses[0]!, blockNumber);
    const ageSeconds = Math.max(0, (nowMs - round.updatedAtMs) / 1000);
    return {
      feed: this.source,
      updatedAtMs: round.updatedAtMs,
      ageSeconds,
      stale: ageSeconds > this.cfg.heartbeatSeconds,
    };
  }

  private async decimalsOf(reader: ContractReader, blockNumber: number): Promise<number> {
    if (this.decimals === undefined) {
      const raw = await reader.call(
        this.addresses[0]!,
        encodeFunctionData({ abi: aggregatorV3Abi, functionName: "decimals" }),
        blockNumber,
      );
      this.decimals = decodeFunctionResult({ abi: aggregatorV3Abi, functionName: "decimals", data: raw });
    }
    return this.decimals;
  }
}

/** A feed's latestRoundData as of a block. */
export async function latestRound(
  reader: ContractReader,
  address: `0x${string}`,
  blockNumber: number,
): Promise<{ answer: bigint; startedAtMs: number; updatedAtMs: number }> {
  const raw = await reader.call(
    address,
    encodeFunctionData({ abi: aggregatorV3Abi, functionName: "latestRoundData" }),
    blockNumber,
  );
  const [, answer, startedAt, updatedAt] = decodeFunctionResult({
    abi: aggregatorV3Abi,
    functionName: "latestRoundData",
    data: raw,
  });
  return { answer, startedAtMs: Number(startedAt) * 1000, updatedAtMs: Number(updatedAt) * 1000 };
}
