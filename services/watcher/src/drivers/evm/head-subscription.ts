import type { Logger } from "@breakwater/telemetry";
import WebSocket from "ws";
import { evmMetrics } from "./evm-metrics.js";
import { MalformedResponseError } from "./rpc-errors.js";
import { type BlockHeader, blockHeaderSchema, toHeader } from "./rpc-schemas.js";

export interface HeadSocketEndpoint {
  /** Label in logs and metrics (the endpoint's name). */
  readonly name: string;
  /** ws:// or wss:// URL serving eth_subscribe. */
  readonly url: string;
}

export interface HeadSubscriptionOptions {
  /** Breakwater chain id (metrics label). */
  readonly chain: string;
  /** Tried in turn: the next one after a close, an error or a silence. */
  readonly endpoints: readonly HeadSocketEndpoint[];
  readonly log: Logger;
  /** Polling saw a newer head and the subscription has not told of it for this long: silent. */
  readonly silenceMs: number;
  /**
   * Whether the endpoint's own requests are trusted (in rotation, its chain id
   * checked): until then its heads only wake the follower, never stand for the head.
   */
  readonly trusted?: (endpoint: string) => boolean;
  /** A subscription not confirmed this long after connecting is given up. */
  readonly connectTimeoutMs?: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly now?: () => number;
}

/**
 * New heads pushed by an endpoint over websocket (`eth_subscribe` `newHeads`):
 * each head wakes whoever waits for one, so the follower reads a block as it
 * lands instead of on its next poll. A socket that closes or errors, and a
 * subscription that falls silent while polling still sees new heads, are
 * counted, logged and replaced (the next endpoint with a websocket, with
 * backoff); meanwhile the follower polls at its normal interval.
 */
export class HeadSubscription {
  /** Newest head number the subscription told of (-1: none yet). */
  lastHead = -1;
  /** The newest head's header, as pushed (checked for shape). */
  private latest: BlockHeader | undefined;
  private socket: WebSocket | undefined;
  private live = false;
  private pending = false;
  private waiters = new Set<() => void>();
  private turn = 0;
  private failures = 0;
  private behindSinceMs: number | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly opts: HeadSubscriptionOptions) {
    if (opts.endpoints.length === 0) throw new RangeError(`chain ${opts.chain}: no websocket endpoint`);
    this.now = opts.now ?? Date.now;
    evmMetrics.headSubscriptionLive.set({ chain: opts.chain }, 0);
  }

  /** Is a subscription confirmed and not known to be silent? */
  get isLive(): boolean {
    return this.live;
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.connectTimer);
    this.setLive(false);
    this.socket?.removeAllListeners();
    this.socket?.on("error", () => undefined);
    this.socket?.terminate();
    this.socket = undefined;
    this.wake();
  }

  /**
   * Resolves on the next pushed head (at once when one came since the last
   * `taken()`), after `ms`, or when `signal` aborts; never rejects.
   */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.waiters.add(done);
    });
  }

  /** The follower is about to read the head: heads pushed so far are accounted for. */
  taken(): void {
    this.pending = false;
  }

  /**
   * The newest pushed header when the subscription is live, its endpoint
   * trusted, and it is newer than `known`.
   */
  newerThan(known: number): BlockHeader | undefined {
    if (!this.live || !this.latest || this.latest.number <= known) return undefined;
    return (this.opts.trusted?.(this.endpoint.name) ?? true) ? this.latest : undefined;
  }

  /**
   * Polling found `head`: a subscription that has not told of it within
   * `silenceMs` is silent, and is replaced.
   */
  crossCheck(head: number): void {
    if (!this.live || head <= this.lastHead) {
      this.behindSinceMs = undefined;
      return;
    }
    const now = this.now();
    this.behindSinceMs ??= now;
    if (now - this.behindSinceMs < this.opts.silenceMs) return;
    this.replace(
      "silent",
      `polling sees head ${head}, the subscription's newest is ${this.lastHead} since ${now - this.behindSinceMs} ms`,
    );
  }

  private get endpoint(): HeadSocketEndpoint {
    return this.opts.endpoints[this.turn % this.opts.endpoints.length]!;
  }

  private connect(): void {
    if (this.stopped) return;
    const { name, url } = this.endpoint;
    const socket = new WebSocket(url, { handshakeTimeout: this.opts.connectTimeoutMs ?? 5_000 });
    this.socket = socket;
    this.behindSinceMs = undefined;
    this.connectTimer = setTimeout(
      () => this.replace("connect_timeout", "no subscription confirmed in time"),
      this.opts.connectTimeoutMs ?? 5_000,
    );
    socket.on("open", () =>
      socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] })),
    );
    socket.on("message", (data) => {
      if (socket === this.socket) this.received(String(data));
    });
    socket.on("error", (err) => {
      if (socket === this.socket) this.replace("error", err.message);
    });
    socket.on("close", (code) => {
      if (socket === this.socket) this.replace("closed", `socket closed (code ${code})`);
    });
    this.opts.log.debug({ chain: this.opts.chain, endpoint: name }, "subscribing to new heads");
  }

  private received(text: string): void {
    let msg: { id?: unknown; result?: unknown; error?: unknown; method?: unknown; params?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      this.malformed("a frame that is not JSON");
      return;
    }
    if (msg.id === 1) this.answered(msg.result, msg.error, text);
    else if (msg.method === "eth_subscription") this.pushed(msg.params, text);
  }

  /** The answer to eth_subscribe: a subscription id, or a refusal. */
  private answered(result: unknown, error: unknown, text: string): void {
    if (error !== undefined || typeof result !== "string") {
      this.replace("refused", `eth_subscribe answered ${text.slice(0, 200)}`);
      return;
    }
    clearTimeout(this.connectTimer);
    this.failures = 0;
    this.setLive(true);
    this.opts.log.info(
      { chain: this.opts.chain, endpoint: this.endpoint.name, subscription: result },
      "following new heads over websocket",
    );
  }

  private pushed(params: unknown, text: string): void {
    const parsed = blockHeaderSchema.safeParse((params as { result?: unknown } | undefined)?.result);
    if (!parsed.success) {
      this.malformed(`a head that is not a block header: ${text.slice(0, 200)}`);
      return;
    }
    evmMetrics.headsPushed.inc({ chain: this.opts.chain });
    const header = toHeader(parsed.data);
    if (header.number > this.lastHead) {
      this.lastHead = header.number;
      this.latest = header;
    }
    this.behindSinceMs = undefined;
    this.wake();
  }

  /** A frame that is not a head: counted and logged, never acted on. */
  private malformed(reason: string): void {
    const err = new MalformedResponseError(this.endpoint.name, "eth_subscription", reason);
    evmMetrics.rpcErrors.inc({ chain: this.opts.chain, endpoint: this.endpoint.name, reason: "malformed" });
    this.opts.log.warn(
      { chain: this.opts.chain, endpoint: this.endpoint.name, err: err.message },
      "ignored a frame",
    );
  }

  /** Drops the current socket and subscribes again (the next endpoint), after a backoff. */
  private replace(reason: string, detail: string): void {
    if (this.stopped) return;
    const { name } = this.endpoint;
    clearTimeout(this.connectTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.removeAllListeners();
    socket?.on("error", () => undefined);
    socket?.terminate();
    this.setLive(false);
    this.failures += 1;
    this.turn += 1;
    const min = this.opts.minBackoffMs ?? 250;
    const backoffMs = Math.min(this.opts.maxBackoffMs ?? 30_000, min * 2 ** (this.failures - 1));
    evmMetrics.headSubscriptionReplaced.inc({ chain: this.opts.chain, endpoint: name, reason });
    this.opts.log.warn(
      { chain: this.opts.chain, endpoint: name, reason, detail, retryInMs: backoffMs },
      "new-heads subscription lost; polling until it is back",
    );
    // the follower waiting on the subscription polls at once
    this.wake();
    this.retryTimer = setTimeout(() => this.connect(), backoffMs);
  }

  private setLive(live: boolean): void {
    this.live = live;
    evmMetrics.headSubscriptionLive.set({ chain: this.opts.chain }, live ? 1 : 0);
  }

  private wake(): void {
    this.pending = true;
    for (const w of [...this.waiters]) w();
  }
}
