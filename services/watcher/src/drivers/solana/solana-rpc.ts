import type { Logger } from "@breakwater/telemetry";
import {
  type Commitment,
  Connection,
  type GetProgramAccountsFilter,
  PublicKey,
  SolanaJSONRPCError,
} from "@solana/web3.js";
import { EndpointHealth } from "../evm/endpoint-health.js";
import { RateLimiter } from "../evm/rate-limiter.js";
import { MalformedResponseError, RpcUnavailableError } from "../evm/rpc-errors.js";
import type { AccountFilter } from "./adapters/account-adapter.js";
import { solanaMetrics } from "./solana-metrics.js";

export interface SolanaEndpointConfig {
  readonly url: string;
  /** Label in logs and metrics (default: the URL's host). */
  readonly name?: string | undefined;
  readonly requestsPerSecond?: number | undefined;
  readonly timeoutMs?: number | undefined;
  /** The endpoint's websocket (programSubscribe); without one it is only polled. */
  readonly wsUrl?: string | undefined;
}

export interface SolanaRpcOptions {
  readonly chain: string;
  readonly commitment: Commitment;
  readonly endpoints: readonly SolanaEndpointConfig[];
  readonly log: Logger;
  /** An endpoint more than this many slots behind the best is out of rotation. */
  readonly maxSlotLag: number;
  readonly timeoutMs: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** An account as getProgramAccounts returned it. */
export interface ProgramAccount {
  readonly pubkey: string;
  readonly data: Uint8Array;
}

/** A getProgramAccounts answer: the accounts and the slot they are as of. */
export interface ProgramAccounts {
  readonly slot: number;
  readonly endpoint: string;
  readonly accounts: readonly ProgramAccount[];
}

interface Endpoint {
  readonly name: string;
  readonly connection: Connection;
  readonly subscribes: boolean;
  readonly health: EndpointHealth;
  readonly limiter: RateLimiter;
  /** The slot this endpoint reported last (at the commitment), -1 before. */
  lastSlot: number;
}

/** Answered, but not usable: thrown by the checks below, classed as malformed. */
class Unusable extends Error {}

/** The endpoint answered with a JSON-RPC error object (web3.js's SolanaJSONRPCError has the code). */
function rpcCode(err: unknown): number | undefined {
  if (!(err instanceof SolanaJSONRPCError)) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

/** Web3.js rejects an answer of the wrong shape with superstruct's StructError, broken JSON with a SyntaxError. */
function isMalformed(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return (
    err instanceof Unusable ||
    e.name === "StructError" ||
    e.name === "SyntaxError" ||
    /Expected|invalid json|Unexpected token|JSON/i.test(e.message ?? "")
  );
}

const MIN_CONTEXT_SLOT_NOT_REACHED = -32016;

function slotOf(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
    throw new Unusable(`${what} ${JSON.stringify(value)} is not a slot`);
  return value;
}

/**
 * The cluster's RPC endpoints behind a few typed reads, each through a
 * web3.js 1.x Connection at the configured commitment: the best endpoint in
 * rotation answers, a transport error, a timeout or a malformed answer fails
 * over to the next (and backs the endpoint off), and an endpoint far behind
 * the best slot is out of rotation until it catches up. Every answer is
 * checked beyond web3.js's shape checks (slots are slots, base64 data).
 */
export class SolanaRpc {
  private readonly endpoints: Endpoint[];

  constructor(private readonly opts: SolanaRpcOptions) {
    const names = new Set<string>();
    this.endpoints = opts.endpoints.map((cfg, i) => {
      let name = cfg.name ?? new URL(cfg.url).host;
      if (names.has(name)) name = `${name}#${i}`;
      names.add(name);
      const timeoutMs = cfg.timeoutMs ?? opts.timeoutMs;
      const connection = new Connection(cfg.url, {
        commitment: opts.commitment,
        disableRetryOnRateLimit: true,
        ...(cfg.wsUrl ? { wsEndpoint: cfg.wsUrl } : {}),
        fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
      });
      solanaMetrics.rpcInRotation.set({ chain: opts.chain, endpoint: name }, 1);
      return {
        name,
        connection,
        subscribes: cfg.wsUrl !== undefined,
        health: new EndpointHealth({
          minBackoffMs: opts.minBackoffMs ?? 250,
          maxBackoffMs: opts.maxBackoffMs ?? 15_000,
          recheckMs: 15_000,
        }),
        limiter: new RateLimiter(cfg.requestsPerSecond ?? 0),
        lastSlot: -1,
      };
    });
  }

  /** Endpoints and their state, for logs and tests. */
  status(): { name: string; state: string; slot: number; detail: string }[] {
    return this.endpoints.map((e) => ({
      name: e.name,
      state: e.health.state,
      slot: e.lastSlot,
      detail: e.health.detail,
    }));
  }

  /**
   * Every endpoint in rotation (and those out for being behind) reports its
   * slot; endpoints far behind the best leave the rotation, and come back once
   * they catch up. Resolves with the best slot, the endpoint that has it and
   * what each endpoint reported before (to tell a rollback from lag).
   */
  async slots(): Promise<{
    best: number;
    endpoint: string;
    reports: { name: string; slot: number; before: number }[];
  }> {
    const asked = this.endpoints.filter((e) => e.health.usable(Date.now()) || e.health.state === "behind");
    const answers = await Promise.all(
      asked.map(async (e) => {
        try {
          return await this.call(
            e,
            "getSlot",
            () => e.connection.getSlot(this.opts.commitment),
            (v) => slotOf(v, "getSlot"),
          );
        } catch {
          return undefined;
        }
      }),
    );
    const reports: { name: string; slot: number; before: number }[] = [];
    let best = -1;
    let bestName = "";
    asked.forEach((e, i) => {
      const slot = answers[i];
      if (slot === undefined) return;
      reports.push({ name: e.name, slot, before: e.lastSlot });
      e.lastSlot = slot;
      solanaMetrics.endpointSlot.set({ chain: this.opts.chain, endpoint: e.name }, slot);
      if (slot > best) {
        best = slot;
        bestName = e.name;
      }
    });
    if (best < 0)
      throw new RpcUnavailableError(
        "getSlot",
        this.endpoints.map((e) => `${e.name}: ${e.health.state} ${e.health.detail}`.trim()),
      );
    for (const e of asked) {
      if (e.lastSlot < 0) continue;
      const before = e.health.state;
      e.health.observeHead(e.lastSlot, best, this.opts.maxSlotLag);
      if (before !== e.health.state) this.stateChanged(e, before);
    }
    return { best, endpoint: bestName, reports };
  }

  /** Chain time of a slot (getBlockTime), Unix ms; undefined when no endpoint has it. */
  async slotTimeMs(slot: number): Promise<number | undefined> {
    try {
      return await this.request(
        "getBlockTime",
        (c) => c.getBlockTime(slot),
        (v) => {
          if (v === null) return undefined;
          if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0)
            throw new Unusable(`block time ${JSON.stringify(v)}`);
          return v * 1000;
        },
      );
    } catch (err) {
      if (err instanceof RpcUnavailableError) return undefined;
      throw err;
    }
  }

  /** One query's accounts as of a slot at least `minContextSlot` (getProgramAccounts withContext). */
  async programAccounts(
    programId: string,
    filters: readonly AccountFilter[],
    minContextSlot: number,
  ): Promise<ProgramAccounts> {
    const program = new PublicKey(programId);
    return this.request(
      "getProgramAccounts",
      (c) =>
        c.getProgramAccounts(program, {
          commitment: this.opts.commitment,
          encoding: "base64",
          withContext: true,
          minContextSlot,
          filters: filters as GetProgramAccountsFilter[],
        }),
      (v, endpoint) => {
        const slot = slotOf(v?.context?.slot, "context.slot");
        if (slot < minContextSlot)
          throw new Unusable(`context.slot ${slot} below minContextSlot ${minContextSlot}`);
        if (!Array.isArray(v.value)) throw new Unusable("value is not a list");
        const accounts = v.value.map((entry) => {
          const data = entry.account?.data;
          if (!(data instanceof Uint8Array))
            throw new Unusable(`account ${entry.pubkey?.toBase58?.()} without data`);
          return { pubkey: entry.pubkey.toBase58(), data };
        });
        return { slot, endpoint, accounts };
      },
    );
  }

  /**
   * Subscribes to the queries' program accounts (programSubscribe) on the
   * healthiest endpoint with a websocket, calling `onChange` on every
   * notification; web3.js reconnects and resubscribes a dropped connection.
   * Resolves to the unsubscribe; a no-op when no endpoint has a websocket.
   */
  subscribe(
    queries: readonly { programId: string; filters: readonly AccountFilter[] }[],
    onChange: () => void,
  ): () => Promise<void> {
    const e = this.endpoints
      .filter((x) => x.subscribes)
      .sort((a, b) => EndpointHealth.compare(a.health, b.health))[0];
    if (!e) return async () => undefined;
    const chain = this.opts.chain;
    const ids = queries.map((q) =>
      e.connection.onProgramAccountChange(
        new PublicKey(q.programId),
        () => {
          solanaMetrics.notifications.inc({ chain, endpoint: e.name });
          onChange();
        },
        {
          commitment: this.opts.commitment,
          encoding: "base64",
          filters: q.filters as GetProgramAccountsFilter[],
        },
      ),
    );
    this.opts.log.info(
      { chain, endpoint: e.name, subscriptions: ids.length },
      "subscribed to program accounts",
    );
    return async () => {
      await Promise.all(
        ids.map((id) => e.connection.removeProgramAccountChangeListener(id).catch(() => undefined)),
      );
    };
  }

  /** A read on the best endpoint in rotation, failing over to the others. */
  private async request<R, T>(
    method: string,
    run: (c: Connection) => Promise<R>,
    check: (raw: R, endpoint: string) => T,
  ): Promise<T> {
    const now = Date.now();
    let candidates = this.endpoints.filter((e) => e.health.usable(now));
    if (candidates.length === 0) candidates = this.endpoints.filter((e) => e.health.state === "backoff");
    candidates.sort((a, b) => EndpointHealth.compare(a.health, b.health));
    const problems: string[] = [];
    for (const e of candidates) {
      try {
        return await this.call(
          e,
          method,
          () => run(e.connection),
          (raw) => check(raw, e.name),
        );
      } catch (err) {
        problems.push(`${e.name}: ${String((err as Error).message ?? err).slice(0, 200)}`);
      }
    }
    throw new RpcUnavailableError(method, problems);
  }

  private async call<R, T>(
    e: Endpoint,
    method: string,
    run: () => Promise<R>,
    check: (raw: R) => T,
  ): Promise<T> {
    const chain = this.opts.chain;
    const wait = e.limiter.reserve();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    solanaMetrics.rpcRequests.inc({ chain, endpoint: e.name, method });
    const started = Date.now();
    let value: T;
    try {
      value = check(await run());
    } catch (err) {
      const code = rpcCode(err);
      if (code === MIN_CONTEXT_SLOT_NOT_REACHED) {
        // the endpoint is behind the slot asked for: not broken, just not the one to ask now
        solanaMetrics.rpcErrors.inc({ chain, endpoint: e.name, reason: "behind" });
        throw err;
      }
      const reason = isMalformed(err) ? "malformed" : code !== undefined ? "rpc_error" : "transport";
      const detail = String((err as Error).message ?? err).slice(0, 300);
      this.fail(e, reason, `${method}: ${detail}`);
      if (reason === "malformed") {
        this.opts.log.warn(
          { chain, endpoint: e.name, method, reason: detail },
          "rejected a malformed RPC response; trying another endpoint",
        );
        throw new MalformedResponseError(e.name, method, detail);
      }
      throw err;
    }
    e.health.succeeded(Date.now() - started);
    return value;
  }

  private fail(e: Endpoint, reason: string, detail: string): void {
    const before = e.health.state;
    e.health.failed(Date.now(), detail);
    solanaMetrics.rpcErrors.inc({ chain: this.opts.chain, endpoint: e.name, reason });
    if (before !== e.health.state) this.stateChanged(e, before);
  }

  private stateChanged(e: Endpoint, before: string): void {
    const inRotation = e.health.state === "ok" || e.health.state === "unchecked";
    solanaMetrics.rpcInRotation.set({ chain: this.opts.chain, endpoint: e.name }, inRotation ? 1 : 0);
    const fields = {
      chain: this.opts.chain,
      endpoint: e.name,
      from: before,
      to: e.health.state,
      detail: e.health.detail,
    };
    if (inRotation) this.opts.log.info(fields, "RPC endpoint back in rotation");
    else this.opts.log.warn(fields, "RPC endpoint out of rotation");
  }
}
