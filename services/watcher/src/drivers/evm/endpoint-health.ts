/** Why an endpoint is out of rotation, or "ok". */
export type EndpointState = "unchecked" | "ok" | "backoff" | "wrong-chain" | "behind";

export interface EndpointHealthOptions {
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  /** How long a wrong chain id keeps an endpoint out before it is asked again. */
  readonly recheckMs: number;
}

/**
 * The health of one RPC endpoint, pure: a score (an exponentially weighted
 * success rate, 1 = every recent request worked), exponential backoff after
 * failures, and exclusion for a wrong chain id or a head far behind the others.
 */
export class EndpointHealth {
  state: EndpointState = "unchecked";
  score = 1;
  latencyMs = 0;
  lastHead = -1;
  detail = "";
  private failures = 0;
  private retryAtMs = 0;

  constructor(private readonly opts: EndpointHealthOptions) {}

  /** In rotation now (a backoff that has run out makes the endpoint eligible for one try). */
  usable(nowMs: number): boolean {
    if (this.state === "ok" || this.state === "unchecked") return true;
    if (this.state === "backoff" || this.state === "wrong-chain") return nowMs >= this.retryAtMs;
    return false;
  }

  /** Must the chain id be (re)checked before the next request? */
  needsChainCheck(): boolean {
    return this.state !== "ok" && this.state !== "behind";
  }

  succeeded(latencyMs: number): void {
    this.score = this.score * 0.8 + 0.2;
    this.latencyMs = this.latencyMs === 0 ? latencyMs : this.latencyMs * 0.8 + latencyMs * 0.2;
    this.failures = 0;
    if (this.state === "backoff" || this.state === "unchecked") this.state = "ok";
  }

  failed(nowMs: number, detail: string): number {
    this.score *= 0.5;
    this.failures += 1;
    const backoff = Math.min(this.opts.maxBackoffMs, this.opts.minBackoffMs * 2 ** (this.failures - 1));
    this.retryAtMs = nowMs + backoff;
    if (this.state !== "wrong-chain" && this.state !== "behind") this.state = "backoff";
    this.detail = detail;
    return backoff;
  }

  wrongChain(nowMs: number, detail: string): void {
    this.state = "wrong-chain";
    this.detail = detail;
    this.retryAtMs = nowMs + this.opts.recheckMs;
  }

  chainOk(): void {
    if (this.state === "wrong-chain" || this.state === "unchecked") this.state = "ok";
    this.detail = "";
  }

  /** The endpoint's head against the best head seen: far behind takes it out of rotation. */
  observeHead(head: number, bestHead: number, maxLagBlocks: number): void {
    this.lastHead = head;
    if (bestHead - head > maxLagBlocks) {
      this.state = "behind";
      this.detail = `head ${head} is ${bestHead - head} blocks behind ${bestHead}`;
    } else if (this.state === "behind") {
      this.state = "ok";
      this.detail = "";
    }
  }

  /** Orders candidates: higher score first, then lower latency. */
  static compare(a: EndpointHealth, b: EndpointHealth): number {
    return b.score - a.score || a.latencyMs - b.latencyMs;
  }
}
