import {
  type Bus,
  codecs,
  FencedAppendError,
  type Published,
  publish,
  streams,
  subjects,
} from "@breakwater/bus";
import { issueSignal, type SignalDraft, signalKindName } from "@breakwater/core";
import type { Signal } from "@breakwater/proto";
import { inSpan, traceparentOf } from "@breakwater/telemetry";
import { type Context, context, SpanStatusCode, trace } from "@opentelemetry/api";
import { AppendContendedError, LogInconsistencyError, NotLeaderError } from "./errors.js";
import { coordinatorMetrics } from "./metrics.js";
import type { SignalIndex } from "./signal-index.js";

const tracer = trace.getTracer("breakwater.coordinator");

export interface SignalLogOptions {
  /** Time between issue and activation (BW_SIGNAL_LEAD_MS). */
  readonly leadMs: number;
  /** Term of the leader this writer appends for. */
  readonly leaderTerm: number;
  /** The coordinator's clock, for issued_at. */
  readonly clock?: () => number;
  /** Fenced attempts before giving up. Default 5. */
  readonly maxAttempts?: number;
  /** How long to wait for the reader to reach the tail after a fence. Default 10 s. */
  readonly readTimeoutMs?: number;
  /** Signs each issued signal (sets key_id and signature). */
  readonly sign?: (signal: Signal) => Signal;
  /** Checked before every attempt: false means the lease is lost and nothing may be appended. */
  readonly holdsLease?: () => boolean;
}

/** What a burst appended: the drafts that went through, in order, and why the rest did not. */
export interface BurstAppended {
  /** One per draft appended (or found in the log), in draft order: a prefix of the burst. */
  readonly appended: Appended[];
  /** Why `drafts[appended.length]` and everything after it was not appended (undefined when all were). */
  readonly failure?: unknown;
}

/** Most appends one pipelined round keeps in flight. */
const MAX_IN_FLIGHT = 512;

export interface Appended {
  readonly signal: Signal;
  /** True when the log already held this signal id; `signal` is then the original. */
  readonly duplicate: boolean;
  /** Appends rejected by fencing before this one went through. */
  readonly fenced: number;
}

/**
 * The writer of the signal log. An append takes the next sequence after the
 * writer's view of the tail and is published with that view as the expected
 * last stream sequence, so stream sequence == signal sequence, the sequence has
 * no gaps, and a writer with a stale view is fenced by the stream itself. The
 * signal id is the publish's dedup id: the same decision is never logged twice.
 *
 * The writer reads nothing itself: it relies on a {@link SignalIndex} kept by
 * the log reader to find signals already appended.
 */
export class SignalLog {
  private tail: number | undefined;
  private readonly clock: () => number;
  /** Signal ids this writer has tried to append (registered before the publish). */
  private readonly own = new Set<string>();
  /** Appends and bursts run one at a time: each needs the tail the one before it left. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly bus: Bus,
    private readonly index: SignalIndex,
    private readonly opts: SignalLogOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
  }

  /** Reads the stream's last sequence: the tail a new append must follow. */
  async readTail(): Promise<number> {
    const info = await this.bus.jsm.streams.info(streams.signals.name);
    this.tail = info.state.last_seq;
    return this.tail;
  }

  /** Issues `draft` at the next sequence and appends it, unless the log already holds it. */
  append(draft: SignalDraft): Promise<Appended> {
    // A span of its own, so the stored signal (its NATS headers and the index) names
    // the append as the parent of what venues do with it.
    return this.serially(() => this.appendTraced(draft));
  }

  /** One careful append in a `coordinator.append` span of the active trace. */
  private appendTraced(draft: SignalDraft): Promise<Appended> {
    return inSpan(tracer, "coordinator.append", (span) => {
      span.setAttribute("breakwater.signal_id", draft.signalId);
      return this.appendInSpan(draft).then((appended) => {
        span.setAttribute("breakwater.sequence", appended.signal.sequence);
        return appended;
      });
    });
  }

  /**
   * Appends `drafts` in order with their publishes pipelined: every draft the
   * log does not hold yet is issued at the sequence after the one before it and
   * published at once, each expecting the stream's last sequence and last
   * dedup id to be those of its predecessor, so a burst costs one round trip
   * and still cannot land anywhere but right after the writer's tail. If the
   * stream refuses one (fenced, deposed, a duplicate), every later one in flight
   * is refused too; nothing past the refused one is taken as appended, and the
   * refused draft goes through the single-append path (re-read the tail, check
   * the term) before the rest are pipelined again. Never rejects: the result
   * says how far it got and why it stopped. Each signal's append is a span of
   * its own in the trace `contexts[i]` names (where it was decided; default the
   * active one), so a burst gathered from many assessments keeps each one's trace.
   */
  appendAll(drafts: readonly SignalDraft[], contexts: readonly Context[] = []): Promise<BurstAppended> {
    return this.serially(async () => {
      const appended: Appended[] = [];
      const contextOf = (i: number) => contexts[i] ?? context.active();
      try {
        while (appended.length < drafts.length) {
          const offset = appended.length;
          const round = await this.pipelined(drafts.slice(offset), (i) => contextOf(offset + i));
          appended.push(...round.done);
          // The first draft the round could not append takes the careful path alone.
          if (round.stopped) {
            const at = offset + round.done.length;
            appended.push(await context.with(contextOf(at), () => this.appendTraced(drafts[at]!)));
          }
        }
        return { appended };
      } catch (failure) {
        return { appended, failure };
      }
    });
  }

  private serially<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * One pipelined round over the leading drafts the log does not hold; returns
   * those it appended (a prefix) and whether it stopped short of the next
   * draft (a refusal, or a draft already seen). Throws only for what the single path would
   * throw too (not leader, an inconsistent log).
   */
  private async pipelined(
    drafts: readonly SignalDraft[],
    contextOf: (i: number) => Context,
  ): Promise<{ done: Appended[]; stopped: boolean }> {
    const done: Appended[] = [];
    const round: SignalDraft[] = [];
    const ids = new Set<string>();
    let stopped = false;
    for (const draft of drafts) {
      const known = this.index.bySignalId(draft.signalId);
      if (known && round.length === 0) {
        done.push(this.duplicate(known, 0));
        continue;
      }
      if (round.length >= MAX_IN_FLIGHT) break;
      // A draft seen before (in the log or earlier in this round) ends the round.
      if (known || ids.has(draft.signalId)) {
        stopped = true;
        break;
      }
      ids.add(draft.signalId);
      round.push(draft);
    }
    if (round.length === 0) return { done, stopped };
    this.checkTerm();
    const started = performance.now();
    const last = this.tail ?? (await this.readTail());
    const issuedAtMs = this.clock();
    const inFlight: {
      signal: Signal;
      published: Promise<Published>;
      span: ReturnType<typeof tracer.startSpan>;
      spanContext: Context;
    }[] = [];
    let previousId: string | undefined;
    for (const [i, draft] of round.entries()) {
      const issued = issueSignal(draft, {
        sequence: last + 1 + i,
        issuedAtMs,
        leadMs: this.opts.leadMs,
        leaderTerm: this.opts.leaderTerm,
      });
      // Signing the next one overlaps the stream storing the ones already sent.
      const signal = this.opts.sign ? this.opts.sign(issued) : issued;
      this.own.add(signal.signalId);
      // The append continues the trace the draft was decided in; its NATS headers carry it.
      const decidedIn = contextOf(done.length + i);
      const span = tracer.startSpan(
        "coordinator.append",
        { attributes: { "breakwater.signal_id": signal.signalId, "breakwater.burst": round.length } },
        decidedIn,
      );
      const spanContext = trace.setSpan(decidedIn, span);
      const published = publish(this.bus, subjects.signal, codecs.signal.encode(signal), {
        msgId: signal.signalId,
        expectLastSequence: last + i,
        ...(previousId === undefined ? {} : { expectLastMsgId: previousId }),
        traceContext: spanContext,
      });
      // Refusals after the first are expected; each is looked at below, in order.
      published.catch(() => undefined);
      inFlight.push({ signal, published, span, spanContext });
      previousId = signal.signalId;
    }
    coordinatorMetrics.burstSize.observe(round.length);
    const endRest = (from: number, why: string) => {
      for (const left of inFlight.slice(from)) {
        left.span.setStatus({ code: SpanStatusCode.ERROR, message: why });
        left.span.end();
      }
    };
    for (const [i, { signal, published, span, spanContext }] of inFlight.entries()) {
      let stored: Published;
      try {
        stored = await published;
      } catch (err) {
        endRest(i, (err as Error).message);
        if (!(err instanceof FencedAppendError)) throw err;
        coordinatorMetrics.burstRefusals.inc({ reason: "fenced" });
        return { done, stopped: true };
      }
      // Stored earlier under this id (the index had not read it): the single path finds the original.
      if (stored.duplicate) {
        endRest(i, "already in the log");
        coordinatorMetrics.burstRefusals.inc({ reason: "duplicate" });
        return { done, stopped: true };
      }
      span.setAttribute("breakwater.sequence", stored.seq);
      try {
        done.push(this.stored(signal, stored.seq, started, traceparentOf(spanContext)));
      } finally {
        span.end();
      }
    }
    return { done, stopped };
  }

  /** Takes a signal the stream acknowledged as the new tail. */
  private stored(signal: Signal, seq: number, started: number, traceparent = traceparentOf()): Appended {
    if (seq !== signal.sequence) {
      throw new LogInconsistencyError(
        `signal ${signal.signalId} was stored at stream sequence ${seq}, not ${signal.sequence}`,
        { signalId: signal.signalId, expected: signal.sequence, stored: seq },
      );
    }
    this.tail = seq;
    // The stream acknowledged it at this sequence: serve it now rather than when the
    // reader gets it back (the reader skips what the index already holds).
    if (this.index.last === seq - 1) this.index.add(seq, signal, "malformed", traceparent);
    coordinatorMetrics.signalsAppended.inc({ kind: signalKindName(signal.kind), rule: signal.ruleId });
    coordinatorMetrics.appendSeconds.observe((performance.now() - started) / 1_000);
    return { signal, duplicate: false, fenced: 0 };
  }

  private async appendInSpan(draft: SignalDraft): Promise<Appended> {
    const started = performance.now();
    const known = this.index.bySignalId(draft.signalId);
    if (known) return this.duplicate(known, 0);
    const maxAttempts = this.opts.maxAttempts ?? 5;
    let fenced = 0;
    while (fenced < maxAttempts) {
      this.checkTerm();
      const last = this.tail ?? (await this.readTail());
      const issued = issueSignal(draft, {
        sequence: last + 1,
        issuedAtMs: this.clock(),
        leadMs: this.opts.leadMs,
        leaderTerm: this.opts.leaderTerm,
      });
      const signal = this.opts.sign ? this.opts.sign(issued) : issued;
      // Known before the stream can store it, so the log reader never mistakes it for a foreign entry.
      this.own.add(signal.signalId);
      try {
        const published = await publish(this.bus, subjects.signal, codecs.signal.encode(signal), {
          msgId: signal.signalId,
          expectLastSequence: last,
        });
        if (published.duplicate) {
          await this.index.waitFor(published.seq, this.opts.readTimeoutMs);
          const original = this.index.get(published.seq);
          return this.duplicate(original ?? { ...signal, sequence: published.seq }, fenced);
        }
        return { ...this.stored(signal, published.seq, started), fenced };
      } catch (err) {
        if (!(err instanceof FencedAppendError)) throw err;
        fenced++;
        coordinatorMetrics.fencedAppends.inc();
        // Someone appended past our view: catch the reader up to the real tail
        // and retry only if our draft is not among what they appended.
        const tail = await this.readTail();
        await this.index.waitFor(tail, this.opts.readTimeoutMs);
        const appended = this.index.bySignalId(draft.signalId);
        if (appended) return this.duplicate(appended, fenced);
        // A later term in the log means a new leader took over: never append again.
        this.checkTerm();
      }
    }
    throw new AppendContendedError(draft.signalId, fenced);
  }

  /** True when this writer appended (or tried to append) the signal id. */
  appendedHere(signalId: string): boolean {
    return this.own.has(signalId);
  }

  /** Throws NotLeaderError when the lease is lost or the log holds a later term. */
  private checkTerm(): void {
    const term = this.opts.leaderTerm;
    if (this.index.maxTerm > term) {
      coordinatorMetrics.deposedAppends.inc();
      throw new NotLeaderError(term, `the log holds a signal of term ${this.index.maxTerm}`, {
        logTerm: this.index.maxTerm,
      });
    }
    if (this.opts.holdsLease && !this.opts.holdsLease()) throw new NotLeaderError(term, "the lease is lost");
  }

  private duplicate(signal: Signal, fenced: number): Appended {
    coordinatorMetrics.duplicateAppends.inc();
    return { signal, duplicate: true, fenced };
  }
}
