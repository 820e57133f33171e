import { chainEventId, formatUnits } from "@breakwater/core";
import { decodeFunctionResult, encodeFunctionData } from "viem";
import type { BlockEvent } from "../../../chain-driver.js";
import { evmMetrics } from "../evm-metrics.js";
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
import {
  aggregatorBoundsAbi,
  aggregatorEventsAbi,
  aggregatorProxyAbi,
  aggregatorV3Abi,
} from "./chainlink-abi.js";
import { EventDecoder } from "./event-decoder.js";

export interface ChainlinkFeedConfig {
  /**
   * The aggregator that emits AnswerUpdated (behind the feed's proxy); with
   * `proxy`, the one to start from (default: the proxy's `aggregator()`).
   */
  readonly address?: `0x${string}` | undefined;
  /**
   * The feed's proxy: its AggregatorConfirmed events, and its `aggregator()`
   * re-read at start and at each feed check, move the feed to the new
   * aggregator (its AnswerUpdated logs followed from then on).
   */
  readonly proxy?: `0x${string}` | undefined;
  readonly asset: string;
  /** Pair as Chainlink names it, e.g. "ETH/USD" (source `chainlink:ETH/USD`). */
  readonly pair: string;
  /** Answer decimals; read from the feed with `decimals()` when not given. */
  readonly decimals?: number | undefined;
  /** The feed's heartbeat: no update for longer than this makes it stale. */
  readonly heartbeatSeconds: number;
  /**
   * Read the aggregator's `minAnswer`/`maxAnswer` (default true; false for an
   * aggregator without them): an answer at or beyond a bound is refused.
   */
  readonly readBounds?: boolean | undefined;
}

/** An aggregator's answer bounds, in its raw units. */
interface Bounds {
  readonly min: bigint;
  readonly max: bigint;
}

/** Why an answer at or beyond the aggregator's bounds is suspect; undefined when it is within them. */
function boundProblem(answer: bigint, b: Bounds | undefined): string | undefined {
  if (!b) return undefined;
  if (answer <= b.min)
    return `answer ${answer} at the aggregator's minAnswer ${b.min} (the price may be lower)`;
  if (answer >= b.max)
    return `answer ${answer} at the aggregator's maxAnswer ${b.max} (the price may be higher)`;
  return undefined;
}

/** AggregatorV3 events (feeds and sequencer-uptime feeds alike). */
export const aggregatorEvents = new EventDecoder(aggregatorEventsAbi);

/** Only AnswerUpdated becomes a tick (NewRound is ignored without decoding). */
const SELECTORS = new Set([...eventSelectors(aggregatorEventsAbi)].slice(0, 1));
const proxyEvents = new EventDecoder(aggregatorProxyAbi.filter((x) => x.type === "event"));

/**
 * Chainlink price feed: an AnswerUpdated log is a price tick, unless the
 * answer sits at the aggregator's minAnswer or maxAnswer (an OCR aggregator
 * refuses reports beyond them, so the real price may be past the bound): such
 * a log is rejected (`bw_watcher_logs_rejected_total{reason="answer_at_bound"}`)
 * and, while the latest answer stays there, the feed check makes it a trouble.
 */
export class ChainlinkFeedAdapter implements LogAdapter {
  readonly name: string;
  readonly source: string;
  addresses: readonly `0x${string}`[] = [];
  private decimals: number | undefined;
  private bounds: Promise<Bounds | undefined> | undefined;
  private readonly proxy: `0x${string}` | undefined;
  /** The aggregator followed (undefined until a proxy's is read). */
  private aggregator: `0x${string}` | undefined;
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly cfg: ChainlinkFeedConfig) {
    this.source = `chainlink:${cfg.pair}`;
    this.name = this.source;
    this.proxy = cfg.proxy?.toLowerCase() as `0x${string}` | undefined;
    this.decimals = cfg.decimals;
    if (!cfg.address && !this.proxy)
      throw new Error(`${this.name}: an aggregator address or a proxy is needed`);
    this.follow(cfg.address?.toLowerCase() as `0x${string}` | undefined);
  }

  /** The aggregator the feed follows now (the proxy's latest known). */
  get currentAggregator(): `0x${string}` | undefined {
    return this.aggregator;
  }

  onAddressesChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** With a proxy: the aggregator behind it as of the block before the first one followed. */
  async prepare(reader: ContractReader, blockNumber: number): Promise<void> {
    if (this.proxy) this.follow(await this.proxiedAggregator(reader, blockNumber));
  }

  async decode(log: ChainLog, ctx: LogContext): Promise<BlockEvent[]> {
    if (this.proxy && log.address === this.proxy) {
      const event = proxyEvents.decodeLog(log, this.name);
      if (event?.eventName !== "AggregatorConfirmed") return [];
      this.follow(event.args.latest.toLowerCase() as `0x${string}`);
      // the answer the proxy serves from this block on, the new aggregator's latest
      const round = await latestRound(ctx.reader, this.aggregator!, log.blockNumber);
      return this.tickOf(round.answer, log, ctx);
    }
    if (!log.topics[0] || !SELECTORS.has(log.topics[0])) return [];
    if (log.address !== this.aggregator)
      // an answer of the aggregator the proxy left, read in the range that holds the change
      throw new LogDecodeError(
        this.name,
        `an answer of ${log.address}, no longer the feed's aggregator (${this.aggregator})`,
        log,
        undefined,
        "superseded_aggregator",
      );
    const decoded = aggregatorEvents.decodeLog(log, this.name);
    if (!decoded) return [];
    if (decoded.eventName !== "AnswerUpdated") return [];
    return this.tickOf(decoded.args.current, log, ctx);
  }

  /** A tick of `answer`, unless it is not positive or sits at the aggregator's bounds. */
  private async tickOf(answer: bigint, log: ChainLog, ctx: LogContext): Promise<BlockEvent[]> {
    if (answer <= 0n) throw new LogDecodeError(this.name, `non-positive answer ${answer}`, log);
    const [decimals, bounds] = await Promise.all([
      this.decimalsOf(ctx.reader, log.blockNumber),
      this.boundsOf(ctx.reader, log.blockNumber),
    ]);
    const suspect = boundProblem(answer, bounds);
    if (suspect) throw new LogDecodeError(this.name, suspect, log, undefined, "answer_at_bound");
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
    // a change whose event was missed (or a proxy without events) is found here
    if (this.proxy) this.follow(await this.proxiedAggregator(reader, blockNumber));
    const [round, bounds] = await Promise.all([
      latestRound(reader, this.aggregator!, blockNumber),
      this.boundsOf(reader, blockNumber),
    ]);
    const ageSeconds = Math.max(0, (nowMs - round.updatedAtMs) / 1000);
    const suspect = boundProblem(round.answer, bounds);
    return {
      feed: this.source,
      updatedAtMs: round.updatedAtMs,
      ageSeconds,
      stale: ageSeconds > this.cfg.heartbeatSeconds,
      suspect: suspect && `${this.source}: ${suspect}`,
    };
  }

  /** The aggregator's answer bounds (immutable on Chainlink's aggregators: read once). */
  private boundsOf(reader: ContractReader, blockNumber: number): Promise<Bounds | undefined> {
    if (this.cfg.readBounds === false) return Promise.resolve(undefined);
    if (!this.bounds) {
      const read = async (functionName: "minAnswer" | "maxAnswer") =>
        decodeFunctionResult({
          abi: aggregatorBoundsAbi,
          functionName,
          data: await reader.call(
            this.aggregator!,
            encodeFunctionData({ abi: aggregatorBoundsAbi, functionName }),
            blockNumber,
          ),
        });
      this.bounds = Promise.all([read("minAnswer"), read("maxAnswer")]).then(([min, max]) => ({ min, max }));
      this.bounds.catch(() => {
        this.bounds = undefined; // read again next time
      });
    }
    return this.bounds;
  }

  /** Starts following `aggregator` (its bounds and, unless configured, decimals read anew). */
  private follow(aggregator: `0x${string}` | undefined): void {
    if (aggregator === this.aggregator) return;
    const first = this.aggregator === undefined;
    this.aggregator = aggregator;
    this.bounds = undefined;
    if (!first) this.decimals = this.cfg.decimals;
    this.addresses = [...(this.proxy ? [this.proxy] : []), ...(aggregator ? [aggregator] : [])];
    if (!first) evmMetrics.feedAggregatorChanges.inc({ feed: this.source, proxy: this.proxy ?? "" });
    for (const l of this.listeners) l();
  }

  private async proxiedAggregator(reader: ContractReader, blockNumber: number): Promise<`0x${string}`> {
    const data = await reader.call(
      this.proxy!,
      encodeFunctionData({ abi: aggregatorProxyAbi, functionName: "aggregator" }),
      blockNumber,
    );
    return decodeFunctionResult({
      abi: aggregatorProxyAbi,
      functionName: "aggregator",
      data,
    }).toLowerCase() as `0x${string}`;
  }

  private async decimalsOf(reader: ContractReader, blockNumber: number): Promise<number> {
    if (this.decimals === undefined) {
      const raw = await reader.call(
        this.aggregator!,
        encodeFunctionData({ abi: aggregatorV3Abi, functionName: "decimals" }),
        blockNumber,
      );
      this.decimals = decodeFunctionResult({ abi: aggregatorV3Abi, functionName: "decimals", data: raw });
    }
    return this.decimals;
  }
}

/** A feed's round: its answer, when it started and when it was last updated (Unix ms). */
export interface FeedRound {
  readonly answer: bigint;
  readonly startedAtMs: number;
  readonly updatedAtMs: number;
}

/** A feed's latestRoundData as of a block. */
export async function latestRound(
  reader: ContractReader,
  address: `0x${string}`,
  blockNumber: number,
): Promise<FeedRound> {
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

/** A feed's getRoundData(roundId) as of a block. */
export async function roundData(
  reader: ContractReader,
  address: `0x${string}`,
  roundId: bigint,
  blockNumber: number,
): Promise<FeedRound> {
  const raw = await reader.call(
    address,
    encodeFunctionData({ abi: aggregatorV3Abi, functionName: "getRoundData", args: [roundId] }),
    blockNumber,
  );
  const [, answer, startedAt, updatedAt] = decodeFunctionResult({
    abi: aggregatorV3Abi,
    functionName: "getRoundData",
    data: raw,
  });
  return { answer, startedAtMs: Number(startedAt) * 1000, updatedAtMs: Number(updatedAt) * 1000 };
}
