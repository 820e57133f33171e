import type { IncomingMessage, ServerResponse } from "node:http";
import { LimitExceededError } from "@breakwater/core";
import type { DashboardFeed, Topic } from "./feed.js";
import { dashboardMetrics } from "./metrics.js";

/** A comment line keeps idle connections (and proxies in between) open. */
const HEARTBEAT_MS = 15_000;

/**
 * The server-sent-events side of the feed: each page that opens `/v1/events`
 * gets every topic's current value at once, then each change as an event named
 * after its topic, with an increasing id. A client that goes away is dropped;
 * past `maxClients` a new one is refused (LimitExceededError, 429).
 */
export class LiveFeed {
  private readonly clients = new Set<ServerResponse>();
  private nextId = 1;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly feed: DashboardFeed,
    private readonly maxClients: number,
  ) {
    this.unsubscribe = feed.onChange((topic, json) => this.broadcast(topic, json));
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) c.write(": keep-alive\n\n");
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Takes over the response as an event stream. */
  open(req: IncomingMessage, res: ServerResponse): void {
    if (this.clients.size >= this.maxClients) {
      dashboardMetrics.refusedClients.inc();
      throw new LimitExceededError("live_clients", `at most ${this.maxClients} live feeds are open`, {
        maxClients: this.maxClients,
      });
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write("retry: 2000\n\n");
    for (const [topic, json] of this.feed.snapshot()) res.write(this.frame(topic, json));
    this.clients.add(res);
    dashboardMetrics.clients.set(this.clients.size);
    const drop = () => {
      this.clients.delete(res);
      dashboardMetrics.clients.set(this.clients.size);
    };
    req.once("close", drop);
    res.once("error", drop);
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.end();
    this.clients.clear();
    dashboardMetrics.clients.set(0);
  }

  private broadcast(topic: Topic, json: string): void {
    const frame = this.frame(topic, json);
    for (const c of this.clients) c.write(frame);
  }

  private frame(topic: Topic, json: string): string {
    return `id: ${this.nextId++}\nevent: ${topic}\ndata: ${json}\n\n`;
  }
}
