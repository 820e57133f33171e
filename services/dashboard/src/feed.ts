import { asError } from "@breakwater/core";
import type { Logger } from "@breakwater/telemetry";
import { UpstreamError } from "./errors.js";
import { dashboardMetrics } from "./metrics.js";
// what the page shows, each pushed as its own server-sent event when it changes (one list for both sides)
import { TOPICS, type Topic } from "./page/topics.js";
import { acksOf, mergeTimeline, type TimelineSignal, timelineSignalOf } from "./timeline.js";
import type { ApiClient } from "./upstream.js";

export { TOPICS, type Topic };

/** Ladder grid the dashboard asks for: 1% rungs over ±30%. */
export const LADDER_QUERY = "/v1/ladder?stepBps=100&rangeBps=3000";
/** Signals whose acks are re-read at every poll (the newest; older ones keep their last acks). */
const ACK_REFRESH = 10;

export interface FeedOptions {
  readonly correlator: ApiClient;
  readonly coordinator: ApiClient;
  readonly pollMs: number;
  readonly timelineSignals: number;
  readonly log: Logger;
}

/**
 * Reads the correlator's and the coordinator's APIs every `pollMs` and keeps
 * each topic's latest JSON; `onChange` is told of each topic whose content
 * changed. A failed call leaves its topic's last value in place and shows in
 * the `status` topic (and the upstream metric); the loop goes on.
 */
export class DashboardFeed {
  private readonly latest = new Map<Topic, string>();
  private readonly listeners = new Set<(topic: Topic, json: string) => void>();
  private timeline: TimelineSignal[] = [];
  private lastSequence = 0;
  private readonly errors: Record<string, string> = {};
  private readonly answered = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: FeedOptions) {}

  /** The topic's current JSON, undefined before its first answer. */
  current(topic: Topic): string | undefined {
    return this.latest.get(topic);
  }

  /** Every topic with a value, as [topic, json]. */
  snapshot(): [Topic, string][] {
    return TOPICS.flatMap((t) => {
      const json = this.latest.get(t);
      return json === undefined ? [] : [[t, json] as [Topic, string]];
    });
  }

  onChange(listener: (topic: Topic, json: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Why the page cannot show everything yet (no answer from an API so far), or undefined. */
  notReadyReason(): string | undefined {
    const missing = ["correlator", "coordinator"].filter((u) => !this.answered.has(u));
    return missing.length === 0 ? undefined : `no answer yet from ${missing.join(" and ")}`;
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.poll().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.opts.pollMs);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One round of reads (exported for tests through `start`; safe to call directly). */
  async poll(): Promise<void> {
    const { correlator } = this.opts;
    await Promise.all([
      this.read("exposure", "correlator", async () => {
        const s = (await correlator.get("/v1/exposure")) as Record<string, unknown>;
        return {
          rows: s["rows"] ?? [],
          referencePrices: s["referencePrices"] ?? {},
          staleChains: s["staleChains"] ?? [],
        };
      }),
      this.read("ladder", "correlator", async () => {
        const l = (await correlator.get(LADDER_QUERY)) as Record<string, unknown>;
        return { ladders: l["ladders"] ?? [] };
      }),
      this.read("prices", "correlator", async () => {
        const p = (await correlator.get("/v1/prices")) as Record<string, unknown>;
        return { prices: p["prices"] ?? [] };
      }),
      this.read("correlations", "correlator", async () => {
        const v = (await correlator.get("/v1/volatility")) as Record<string, unknown>;
        return { assets: v["assets"] ?? [], correlations: v["correlations"] ?? [], lambda: v["lambda"] };
      }),
      this.read("chains", "correlator", async () => {
        const c = (await correlator.get("/v1/chains")) as Record<string, unknown>;
        return { chains: c["chains"] ?? [], staleChains: c["staleChains"] ?? [] };
      }),
      this.read("signals", "coordinator", () => this.readSignals()),
    ]);
    this.publish("status", { upstreams: { ...this.errors }, pollMs: this.opts.pollMs });
  }

  private async readSignals(): Promise<unknown> {
    const { coordinator, timelineSignals: keep } = this.opts;
    const page = async (after: number) =>
      (await coordinator.get(`/v1/signals?after=${after}&limit=${keep}`)) as {
        lastSequence?: number;
        signals?: unknown[];
      };
    let got = await page(Math.max(0, this.lastSequence - keep));
    const last = Number(got.lastSequence ?? 0);
    // the first read, or a burst: read the newest window instead
    if (last - keep > Math.max(0, this.lastSequence - keep)) got = await page(last - keep);
    this.lastSequence = last;
    const known = new Map(this.timeline.map((s) => [s.sequence, s]));
    const fetched = (got.signals ?? [])
      .map((j) => timelineSignalOf(j, known.get(Number((j as { sequence?: unknown }).sequence))?.acks))
      .filter((s): s is TimelineSignal => s !== undefined);
    let timeline = mergeTimeline(this.timeline, fetched, keep);
    const refresh = timeline.slice(-ACK_REFRESH);
    const acks = await Promise.all(
      refresh.map(async (s) => acksOf(await coordinator.get(`/v1/acks/late?sequence=${s.sequence}`))),
    );
    timeline = timeline.map((s) => {
      const i = refresh.indexOf(s);
      return i < 0 ? s : { ...s, acks: acks[i]! };
    });
    this.timeline = timeline;
    const venues = (await coordinator.get("/v1/venues")) as { venues?: { venueId?: string }[] };
    return {
      lastSequence: last,
      signals: timeline,
      venues: (venues.venues ?? []).map((v) => v.venueId).filter((v): v is string => typeof v === "string"),
    };
  }

  private async read(topic: Topic, upstream: string, fetchTopic: () => Promise<unknown>): Promise<void> {
    try {
      const value = await fetchTopic();
      this.answered.add(upstream);
      delete this.errors[`${upstream} ${topic}`];
      this.publish(topic, value);
    } catch (err) {
      const e = asError(err);
      const key = `${upstream} ${topic}`;
      if (this.errors[key] !== e.message)
        this.opts.log.warn(
          { topic, upstream, err: e.message, reason: err instanceof UpstreamError ? err.reason : "internal" },
          "dashboard read failed",
        );
      this.errors[key] = e.message;
    }
  }

  private publish(topic: Topic, value: unknown): void {
    const json = JSON.stringify(value);
    if (this.latest.get(topic) === json) return;
    this.latest.set(topic, json);
    dashboardMetrics.updates.inc({ topic });
    for (const l of this.listeners) l(topic, json);
  }
}
