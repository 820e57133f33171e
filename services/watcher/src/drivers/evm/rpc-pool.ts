import type { Logger } from "@breakwater/telemetry";
import { http } from "viem";
import { EndpointHealth } from "./endpoint-health.js";
import { evmMetrics } from "./evm-metrics.js";
import { RateLimiter } from "./rate-limiter.js";
import { LogRangeTooLargeError, MalformedResponseError, RpcUnavailableError } from "./rpc-errors.js";
import { quantitySchema } from "./rpc-schemas.js";

export interface RpcEndpointConfig {
  readonly url: string;
  /** The endpoint's websocket, for new-heads subscriptions (not used for requests). */
  readonly ws?: string | undefined;
  /** Label in logs and metrics (default: the URL's host, so keys in paths never leak). */
  readonly name?: string | undefined;
  /** Request rate limit (default: unlimited). */
  readonly requestsPerSecond?: number | undefined;
  readonly timeoutMs?: number | undefined;
}

export interface RpcPoolOptions {
  /** Breakwater chain id (metrics label). */
  readonly chain: string;
  /** EIP-155 chain id every endpoint must report. */
  readonly chainNumericId: number;
  readonly endpoints: readonly RpcEndpointConfig[];
  readonly log: Logger;
  /** An endpoint whose head is more than this behind the best head is out of rotation. */
  readonly maxHeadLagBlocks: number;
  readonly timeoutMs?: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly recheckMs?: number;
}

type Request = (args: { method: string; params?: unknown }) => Promise<unknown>;

interface Endpoint {
  readonly name: string;
  readonly ws: string | undefined;
  readonly request: Request;
  readonly health: EndpointHealth;
  readonly limiter: RateLimiter;
}

/** Parses a raw result; throws a string (the reason) when the result is unusable. */
export type Parse<T> = (raw: unknown) => T;

/** The JSON-RPC error code of a viem error, walking its causes. */
function rpcCode(err: unknown): number | undefined {
  let e: unknown = err;
  for (let i = 0; i < 8 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "number") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function shortMessage(err: unknown): string {
  const e = err as { shortMessage?: string; details?: string; message?: string };
  return [e.shortMessage ?? e.message ?? String(err), e.details].filter(Boolean).join(": ").slice(0, 300);
}

const RANGE_REFUSAL = /range|too many|limit|exceed|10000|too large|response size/i;

/**
 * The chain's RPC endpoints behind one `request`: each call goes to the
 * healthiest endpoint in rotation and fails over to the next on a transport
 * error, a timeout or a malformed answer. Endpoints are taken out of rotation
 * with backoff after failures, for reporting another chain id, or for a head
 * far behind the others; each is rate limited. Requests go through viem's
 * HTTP transport (timeouts, JSON-RPC errors, batching of concurrent calls).
 */
export class RpcPool {
  private readonly endpoints: Endpoint[];
  private readonly opts: RpcPoolOptions;

  constructor(opts: RpcPoolOptions) {
    this.opts = opts;
    const names = new Set<string>();
    this.endpoints = opts.endpoints.map((cfg, i) => {
      let name = cfg.name ?? new URL(cfg.url).host;
      if (names.has(name)) name = `${name}#${i}`;
      names.add(name);
      const transport = http(cfg.url, {
        timeout: cfg.timeoutMs ?? opts.timeoutMs ?? 10_000,
        retryCount: 0,
        batch: { batchSize: 200, wait: 0 },
      })({ retryCount: 0 });
      return {
        name,
        ws: cfg.ws,
        request: transport.request as unknown as Request,
        health: new EndpointHealth({
          minBackoffMs: opts.minBackoffMs ?? 500,
          maxBackoffMs: opts.maxBackoffMs ?? 30_000,
          recheckMs: opts.recheckMs ?? 15_000,
        }),
        limiter: new RateLimiter(cfg.requestsPerSecond ?? 0),
      };
    });
    for (const e of this.endpoints) evmMetrics.rpcInRotation.set({ chain: opts.chain, endpoint: e.name }, 1);
  }

  /** Endpoints and their state, for logs and tests. */
  status(): { name: string; state: string; score: number; head: number; detail: string }[] {
    return this.endpoints.map((e) => ({
      name: e.name,
      state: e.health.state,
      score: Number(e.health.score.toFixed(3)),
      head: e.health.lastHead,
      detail: e.health.detail,
    }));
  }

  /** Is this endpoint in rotation with its chain id checked? */
  checkedInRotation(name: string): boolean {
    return this.endpoints.find((e) => e.name === name)?.health.state === "ok";
  }

  /** Endpoints with a websocket, in configuration order. */
  socketEndpoints(): { name: string; url: string }[] {
    return this.endpoints.flatMap((e) => (e.ws ? [{ name: e.name, url: e.ws }] : []));
  }

  /**
   * Asks every endpoint not excluded for its head, takes endpoints far behind
   * the best out of rotation (and back in once they catch up), returns the best.
   */
  async bestHead(): Promise<number> {
    const asked = [...this.inRotation(), ...this.endpoints.filter((e) => e.health.state === "behind")];
    const heads = await Promise.all(
      asked.map(async (e) => {
        try {
          return await this.callOne(e, "eth_blockNumber", [], quantitySchema.parse);
        } catch {
          return undefined;
        }
      }),
    );
    const known = heads.filter((h): h is number => h !== undefined);
    if (known.length === 0)
      throw new RpcUnavailableError(
        "eth_blockNumber",
        this.endpoints.map((e) => `${e.name}: ${e.health.state} ${e.health.detail}`.trim()),
      );
    const best = Math.max(...known);
    asked.forEach((e, i) => {
      const head = heads[i];
      if (head === undefined) return;
      const before = e.health.state;
      e.health.observeHead(head, best, this.opts.maxHeadLagBlocks);
      evmMetrics.rpcHead.set({ chain: this.opts.chain, endpoint: e.name }, head);
      if (before !== e.health.state) this.stateChanged(e, before);
    });
    return best;
  }

  /**
   * Endpoints to try, best first. When every one is backing off, those are
   * tried anyway (best first) rather than failing while they may be back.
   */
  private inRotation(): Endpoint[] {
    const now = Date.now();
    let candidates = this.endpoints.filter((e) => e.health.usable(now));
    if (candidates.length === 0) candidates = this.endpoints.filter((e) => e.health.state === "backoff");
    return candidates.sort((a, b) => EndpointHealth.compare(a.health, b.health));
  }

  /** One JSON-RPC call on the best endpoint, failing over to the others. */
  async request<T>(method: string, params: readonly unknown[], parse: Parse<T>): Promise<T> {
    const candidates = this.inRotation();
    const problems: string[] = [];
    for (const e of candidates) {
      try {
        return await this.callOne(e, method, params, parse);
      } catch (err) {
        if (err instanceof LogRangeTooLargeError) throw err;
        if (err instanceof CallError) throw err.cause;
        problems.push(`${e.name}: ${shortMessage(err)}`);
      }
    }
    throw new RpcUnavailableError(method, problems);
  }

  private async callOne<T>(
    e: Endpoint,
    method: string,
    params: readonly unknown[],
    parse: Parse<T>,
  ): Promise<T> {
    if (e.health.needsChainCheck() && method !== "eth_chainId") await this.checkChain(e);
    const wait = e.limiter.reserve();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const chain = this.opts.chain;
    evmMetrics.rpcRequests.inc({ chain, endpoint: e.name, method });
    const started = Date.now();
    let raw: unknown;
    try {
      raw = await e.request({ method, params });
    } catch (err) {
      const code = rpcCode(err);
      const answered = code !== undefined && code !== -1 && !(code >= 400 && code < 600);
      if (answered && method === "eth_getLogs" && RANGE_REFUSAL.test(shortMessage(err))) {
        const filter = (params[0] ?? {}) as { fromBlock?: string; toBlock?: string };
        throw new LogRangeTooLargeError(
          Number(filter.fromBlock ?? 0),
          Number(filter.toBlock ?? 0),
          shortMessage(err),
        );
      }
      // a revert is the contract's answer, the same everywhere: not the endpoint's fault
      if (answered && method === "eth_call") throw new CallError(err);
      this.fail(e, answered ? "rpc_error" : "transport", `${method}: ${shortMessage(err)}`);
      throw err;
    }
    let value: T;
    try {
      value = parse(raw);
    } catch (err) {
      const reason = typeof err === "string" ? err : shortMessage(err);
      const rejected = new MalformedResponseError(e.name, method, reason);
      this.fail(e, "malformed", rejected.message);
      this.opts.log.warn(
        { chain, endpoint: e.name, method, reason },
        "rejected a malformed RPC response; trying another endpoint",
      );
      throw rejected;
    }
    e.health.succeeded(Date.now() - started);
    return value;
  }

  private async checkChain(e: Endpoint): Promise<void> {
    const before = e.health.state;
    const id = await this.callOne(e, "eth_chainId", [], quantitySchema.parse);
    if (id !== this.opts.chainNumericId) {
      e.health.wrongChain(Date.now(), `reports chain id ${id}, expected ${this.opts.chainNumericId}`);
      evmMetrics.rpcErrors.inc({ chain: this.opts.chain, endpoint: e.name, reason: "wrong_chain" });
      this.stateChanged(e, before);
      throw new Error(`${e.name} ${e.health.detail}`);
    }
    e.health.chainOk();
    if (before !== e.health.state) this.stateChanged(e, before);
  }

  private fail(e: Endpoint, reason: string, detail: string): void {
    const before = e.health.state;
    const backoffMs = e.health.failed(Date.now(), detail);
    evmMetrics.rpcErrors.inc({ chain: this.opts.chain, endpoint: e.name, reason });
    if (before !== e.health.state) this.stateChanged(e, before, backoffMs);
  }

  private stateChanged(e: Endpoint, before: string, backoffMs?: number): void {
    const inRotation = e.health.state === "ok" || e.health.state === "unchecked";
    evmMetrics.rpcInRotation.set({ chain: this.opts.chain, endpoint: e.name }, inRotation ? 1 : 0);
    const fields = {
      chain: this.opts.chain,
      endpoint: e.name,
      from: before,
      to: e.health.state,
      detail: e.health.detail,
      ...(backoffMs === undefined ? {} : { retryInMs: backoffMs }),
    };
    if (inRotation) this.opts.log.info(fields, "RPC endpoint back in rotation");
    else this.opts.log.warn(fields, "RPC endpoint out of rotation");
  }
}

/** Wraps a deterministic call failure (a revert) so failover does not retry it elsewhere. */
class CallError extends Error {
  constructor(override readonly cause: unknown) {
    super("eth_call failed", { cause });
  }
}
