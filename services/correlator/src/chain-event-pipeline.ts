import {
  ackFloor,
  type Bus,
  type ChainEvent,
  codecs,
  consumeDurable,
  consumers,
  deadLetter,
  extractTrace,
  publish,
  type RunningConsumer,
  replay,
  storedAtMsOf,
  streams,
  subjects,
} from "@breakwater/bus";
import type { PriceTick } from "@breakwater/proto";
import { inSpan, type Logger } from "@breakwater/telemetry";
import type { MsgHdrs } from "@nats-io/transport-node";
import { context, type Tracer } from "@opentelemetry/api";
import { type ChainEventDecoderOptions, chainEventDecoder, rejectReasonOf } from "./chain-event-decoder.js";
import type { CorrelatorState } from "./correlator-state.js";
import { chainLabel, correlatorMetrics as metrics } from "./metrics.js";
import { PublishHealth } from "./publish-health.js";

export const SERVICE = "correlator";

export type PipelinePhase = "starting" | "replaying" | "catching_up" | "live" | "stopped";

export interface ChainEventPipelineDeps {
  readonly bus: Bus;
  readonly state: CorrelatorState;
  readonly log: Logger;
  readonly tracer: Tracer;
  readonly clock?: () => number;
  /** Amount bounds and the future-skew bound events are checked against. */
  readonly accept?: ChainEventDecoderOptions;
  /** Readiness drops while an assessment publish has waited this long (default 2 s). */
  readonly publishStallMs?: number;
}

/** What `start` found and did. */
export interface StartReport {
  readonly ackFloor: number;
  readonly lastDelivered: number;
  /** Events applied silently (no assessments), up to the ack floor. */
  readonly replayed: number;
  /** Events in flight when the previous process stopped, re-handled with assessments (deduplicated). */
  readonly caughtUp: number;
}

/** A chain event's message as the stream delivered it: what a dead letter keeps. */
interface Delivered {
  readonly subject: string;
  readonly data: Uint8Array;
}

const STREAM = streams.chainEvents.name;
const DURABLE = consumers.correlatorChainEvents;

/**
 * Feeds every chain event into the state, exactly once in stream order, across
 * restarts:
 *
 * 1. replay the stream silently up to the durable consumer's ack floor (the
 *    state the previous process had when it last acknowledged in order);
 * 2. re-handle, in order and with assessments, the range the previous process
 *    had been delivered but not fully acknowledged (a SIGKILL leaves up to a
 *    pull batch in flight); its assessments reuse their ids, so any the
 *    previous process already stored are dropped by the stream;
 * 3. consume the durable live.
 *
 * Each event's stream sequence is remembered: a redelivery of a sequence
 * already applied (the in-flight range coming back after its ack wait, or a
 * retry after a failed publish) never touches the state again, so a late
 * redelivery cannot roll a position back. Price ticks are (re)assessed on
 * every live delivery; the assessment id makes that idempotent.
 */
export class ChainEventPipeline {
  private phase: PipelinePhase = "starting";
  private appliedThroughSeq = 0;
  private consumer: RunningConsumer | undefined;
  private readonly clock: () => number;
  private readonly decode: (subject: string, data: Uint8Array, receivedAtMs: number) => ChainEvent;
  private readonly assessments: PublishHealth;

  constructor(private readonly deps: ChainEventPipelineDeps) {
    this.clock = deps.clock ?? Date.now;
    this.decode = chainEventDecoder(deps.accept ?? { maxFutureSkewMs: 30_000 });
    this.assessments = new PublishHealth("assessments", deps.publishStallMs ?? 2_000, this.clock);
  }

  get currentPhase(): PipelinePhase {
    return this.phase;
  }

  /**
   * Readiness: why the pipeline is not live yet, or cannot publish assessments
   * (the coordinator would see nothing), or undefined when all is well.
   */
  notReadyReason(): string | undefined {
    if (this.phase !== "live") return `chain events: ${this.phase.replace("_", " ")}`;
    return this.assessments.notReadyReason();
  }

  /** Settles when the live consumer ends (undefined before it started). */
  get done(): Promise<void> | undefined {
    return this.consumer?.done;
  }

  async start(): Promise<StartReport> {
    const { bus, log } = this.deps;
    const floor = await ackFloor(bus, STREAM, DURABLE);
    const lastDelivered = await deliveredThrough(bus);
    this.phase = "replaying";
    log.info({ ackFloor: floor, lastDelivered }, "rebuilding state from the chain event stream");
    const replayed =
      floor > 0
        ? await replay(bus, {
            stream: STREAM,
            toSeq: floor,
            onMessage: (subject, data, seq, storedAtMs) => this.replayOne(subject, data, seq, storedAtMs),
          })
        : 0;
    metrics.replayed.set({ phase: "silent" }, replayed);
    if (this.stopped()) return { ackFloor: floor, lastDelivered, replayed, caughtUp: 0 };

    this.phase = "catching_up";
    const caughtUp =
      lastDelivered > floor
        ? await replay(bus, {
            stream: STREAM,
            fromSeq: floor + 1,
            toSeq: lastDelivered,
            onMessage: (subject, data, seq, storedAtMs) => this.catchUpOne(subject, data, seq, storedAtMs),
          })
        : 0;
    metrics.replayed.set({ phase: "catch_up" }, caughtUp);
    if (this.stopped()) return { ackFloor: floor, lastDelivered, replayed, caughtUp };

    this.consumer = await consumeDurable(bus, {
      stream: STREAM,
      durable: DURABLE,
      service: SERVICE,
      decode: (subject, data, msg) => this.decodeLive(subject, data, storedAtMsOf(msg)),
      handle: (event, msg) => this.handle(event, msg, msg.seq, storedAtMsOf(msg), msg.headers),
      log,
    });
    this.phase = "live";
    const report = { ackFloor: floor, lastDelivered, replayed, caughtUp };
    log.info(
      {
        ...report,
        positions: this.deps.state.book.positionCount,
        optionPositions: this.deps.state.options.positionCount,
      },
      "consuming chain events live",
    );
    return report;
  }

  async stop(): Promise<void> {
    this.phase = "stopped";
    await this.consumer?.stop();
  }

  private stopped(): boolean {
    return this.phase === "stopped";
  }

  /** A live delivery's decode: a rejection is counted here, once, and dead-lettered by the consumer. */
  private decodeLive(subject: string, data: Uint8Array, storedAtMs: number): ChainEvent {
    try {
      return this.decode(subject, data, storedAtMs);
    } catch (err) {
      const chain = subject.split(".")[2] ?? "unknown";
      metrics.rejected.inc({ chain: chainLabel(chain), reason: rejectReasonOf(err) });
      throw err;
    }
  }

  /**
   * Silent replay: the previous process already assessed and dead-lettered
   * these. Checked exactly as when they were live (the stored time is the
   * same), so an event rejected then is rejected now and never applied.
   */
  private replayOne(subject: string, data: Uint8Array, seq: number, storedAtMs: number): void {
    let event: ChainEvent;
    try {
      event = this.decode(subject, data, storedAtMs);
    } catch {
      return; // dead-lettered when it was first consumed
    }
    this.applyAt(event, seq, storedAtMs);
  }

  private async catchUpOne(
    subject: string,
    data: Uint8Array,
    seq: number,
    storedAtMs: number,
  ): Promise<void> {
    let event: ChainEvent;
    try {
      event = this.decode(subject, data, storedAtMs);
    } catch {
      return; // the durable redelivers it and dead-letters it then
    }
    await this.handle(event, { subject, data }, seq, storedAtMs, undefined);
  }

  /** The live path (also used for the in-flight range on start). */
  private async handle(
    event: ChainEvent,
    delivered: Delivered,
    seq: number,
    storedAtMs: number,
    headers: MsgHdrs | undefined,
  ): Promise<void> {
    if (seq <= this.appliedThroughSeq) {
      metrics.skipped.inc({ kind: event.kind });
    } else {
      const started = performance.now();
      const applied = this.applyAt(event, seq, storedAtMs);
      metrics.applySeconds.observe({ kind: event.kind }, (performance.now() - started) / 1_000);
      if (!applied) {
        await this.rejectUnappliable(delivered, seq);
        return;
      }
    }
    if (event.kind === "price") await this.assess(event.value, headers);
  }

  /**
   * Applies an event and records its sequence; false when the state refused
   * it. Received = the stream's stored time, so a replay rebuilds the same state.
   */
  private applyAt(event: ChainEvent, seq: number, storedAtMs: number): boolean {
    this.appliedThroughSeq = Math.max(this.appliedThroughSeq, seq);
    try {
      const outcome = this.deps.state.apply(event, storedAtMs);
      if (outcome.kind === "retraction" && !outcome.changed) metrics.unknownRetractions.inc();
      metrics.applied.inc({ kind: event.kind });
      return true;
    } catch (err) {
      metrics.applyErrors.inc({ kind: event.kind });
      this.deps.log.error({ seq, kind: event.kind, err: String(err) }, "chain event refused by the state");
      return false;
    }
  }

  /** Dead-letters the bytes as delivered, so the letter holds exactly what the stream stored. */
  private async rejectUnappliable(delivered: Delivered, seq: number): Promise<void> {
    await deadLetter(this.deps.bus, {
      service: SERVICE,
      subject: delivered.subject,
      payload: delivered.data,
      error: "refused by the correlator's state (see its log)",
      originId: `${STREAM}:${seq}`,
    });
  }

  private async assess(tick: PriceTick, headers: MsgHdrs | undefined): Promise<void> {
    const { bus, state, tracer } = this.deps;
    const started = performance.now();
    await context.with(extractTrace(headers), () =>
      inSpan(tracer, "correlator.assess", async (span) => {
        const assessment = state.assess(tick, this.clock());
        span.setAttributes({
          "bw.asset": assessment.asset,
          "bw.assessment_id": assessment.assessmentId,
          "bw.reference_price": assessment.referencePrice,
        });
        const stored = await this.assessments
          .track(() =>
            publish(bus, subjects.assessment(assessment.asset), codecs.assessment.encode(assessment), {
              msgId: assessment.assessmentId,
            }),
          )
          .catch((err: unknown) => {
            metrics.assessmentPublishFailures.inc();
            throw err;
          });
        metrics.assessments.inc({ outcome: stored.duplicate ? "duplicate" : "stored" });
      }),
    );
    metrics.assessSeconds.observe((performance.now() - started) / 1_000);
  }
}

/** Stream sequence of the last message the durable delivered (0 when it does not exist yet). */
async function deliveredThrough(bus: Bus): Promise<number> {
  try {
    const info = await bus.jsm.consumers.info(STREAM, DURABLE);
    return info.delivered.stream_seq;
  } catch (err) {
    if (/not found/i.test(String((err as Error).message))) return 0;
    throw err;
  }
}
