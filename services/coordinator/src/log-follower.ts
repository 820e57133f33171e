import { type Bus, type BusLogger, codecs, streams } from "@breakwater/bus";
import { asError, Backoff, sleep } from "@breakwater/core";
import type { Signal } from "@breakwater/proto";
import { type ConsumerMessages, DeliverPolicy } from "@nats-io/jetstream";
import { coordinatorMetrics } from "./metrics.js";
import type { SignalIndex } from "./signal-index.js";

/**
 * Follows the signal log (the BW_SIGNALS stream) with an ordered consumer and
 * copies every entry into the index. It is the only path by which a signal
 * reaches a venue, so a venue only ever sees what the log holds. It knows
 * nothing of the writer: every replica runs one.
 */
export class SignalLogFollower {
  private messages: ConsumerMessages | undefined;
  private stopped = false;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly bus: Bus,
    private readonly index: SignalIndex,
    private readonly log: BusLogger,
  ) {
    this.loop = this.follow();
  }

  /** Starts following from the entry after the index's last one. */
  static start(bus: Bus, index: SignalIndex, log: BusLogger): SignalLogFollower {
    return new SignalLogFollower(bus, index, log);
  }

  /** Resolves once everything the log held when called has been read. */
  async caughtUp(timeoutMs = 30_000): Promise<number> {
    const info = await this.bus.jsm.streams.info(streams.signals.name);
    await this.index.waitFor(info.state.last_seq, timeoutMs);
    return info.state.last_seq;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    await this.loop;
  }

  private async follow(): Promise<void> {
    const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 5_000, jitter: false });
    while (!this.stopped) {
      try {
        await this.readFrom(this.index.last + 1);
        backoff.reset();
      } catch (err) {
        if (this.stopped) break;
        this.log.warn({ err: asError(err).message, next: this.index.last + 1 }, "signal log reader failed");
      }
      if (this.stopped) break;
      await sleep(backoff.next());
    }
  }

  private async readFrom(next: number): Promise<void> {
    const consumer = await this.bus.js.consumers.get(streams.signals.name, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: next,
    });
    this.messages = await consumer.consume({ max_messages: 256 });
    if (this.stopped) this.messages.stop();
    for await (const msg of this.messages) {
      if (msg.seq <= this.index.last) continue;
      while (msg.seq > this.index.last + 1) {
        // Only a deleted message leaves a hole in a stream; keep positions aligned.
        this.record(this.index.last + 1, undefined, "missing stream message");
      }
      let signal: Signal | undefined;
      try {
        signal = codecs.signal.decode(msg.data, msg.subject);
      } catch (err) {
        this.record(msg.seq, undefined, asError(err).message);
        continue;
      }
      this.record(msg.seq, signal, undefined, msg.headers?.get("traceparent") ?? "");
    }
  }

  private record(sequence: number, signal: Signal | undefined, problem?: string, traceparent = ""): void {
    const hole = this.index.add(sequence, signal, "malformed", traceparent);
    coordinatorMetrics.logSequence.set(sequence);
    if (hole) {
      coordinatorMetrics.logHoles.inc({ reason: hole });
      this.log.error(
        { sequence, reason: hole, problem, signalId: signal?.signalId, signalSequence: signal?.sequence },
        "signal log entry is not a servable signal; no venue will receive it",
      );
    }
  }
}
