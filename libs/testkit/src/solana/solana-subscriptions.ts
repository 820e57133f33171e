import { createHash } from "node:crypto";
import type { Server } from "node:http";
import { type WebSocket, WebSocketServer } from "ws";
import type { AccountAt, Commitment, SolanaLedger } from "./solana-ledger.js";
import { accountJson, passes, RPC_ERRORS } from "./solana-rpc-methods.js";

interface Subscription {
  readonly id: number;
  readonly kind: "program" | "account";
  readonly key: string;
  readonly commitment: Commitment;
  readonly filters: readonly unknown[];
  /** Data hash of each account as last notified. */
  readonly sent: Map<string, string>;
}

export interface SolanaSubscriptions {
  readonly url: string;
  readonly port: number;
  /** Subscriptions open now, over every connection. */
  readonly open: number;
  /** Subscribe calls answered so far (a resubscription after a drop counts again). */
  readonly subscribed: number;
  /** Closes every websocket connection (a dropped connection; clients reconnect). */
  drop(): void;
  /** Stops answering and notifying (connections stay open, nothing arrives). */
  setSilent(silent: boolean): void;
  stop(): Promise<void>;
}

const hash = (a: AccountAt | undefined) =>
  a ? createHash("sha256").update(a.data).update(a.owner).digest("hex") : "closed";

/**
 * The Solana RPC's websocket side on a free 127.0.0.1 port: `programSubscribe`
 * / `accountSubscribe` with their unsubscribes, answered with the
 * subscription id, and `programNotification` / `accountNotification` (with
 * `context.slot`) whenever an account's state at the subscription's
 * commitment changes, checked every `checkMs`. With `on`, it shares that
 * HTTP server's port.
 */
export async function startSolanaSubscriptions(
  ledger: SolanaLedger,
  opts: { readonly checkMs?: number; readonly on?: Server } = {},
): Promise<SolanaSubscriptions> {
  const checkMs = opts.checkMs ?? 20;
  // on an RPC server's own port (as providers serve both on one URL), or on a port of its own
  const server = opts.on
    ? new WebSocketServer({ server: opts.on })
    : new WebSocketServer({ host: "127.0.0.1", port: 0 });
  if (!opts.on) await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const subs = new Map<WebSocket, Map<number, Subscription>>();
  let nextId = 1;
  let subscribed = 0;
  let silent = false;

  const send = (ws: WebSocket, body: unknown) => {
    if (!silent && ws.readyState === ws.OPEN) ws.send(JSON.stringify(body));
  };

  const accountsOf = (s: Subscription, slot: number): Map<string, AccountAt | undefined> => {
    if (s.kind === "account") return new Map([[s.key, ledger.account(s.key, slot)]]);
    const out = new Map<string, AccountAt | undefined>();
    for (const a of ledger.programAccounts(s.key, slot))
      if (s.filters.every((f) => passes(a, f))) out.set(a.pubkey, a);
    return out;
  };

  const check = () => {
    if (silent) return;
    for (const [ws, mine] of subs)
      for (const s of mine.values()) {
        const slot = ledger.slot(s.commitment);
        for (const [pubkey, a] of accountsOf(s, slot)) {
          const h = hash(a);
          if (s.sent.get(pubkey) === h) continue;
          s.sent.set(pubkey, h);
          if (s.kind === "program" && a)
            send(ws, {
              jsonrpc: "2.0",
              method: "programNotification",
              params: {
                subscription: s.id,
                result: { context: { slot }, value: { pubkey, account: accountJson(a, "base64") } },
              },
            });
          else if (s.kind === "account")
            send(ws, {
              jsonrpc: "2.0",
              method: "accountNotification",
              params: {
                subscription: s.id,
                result: { context: { slot }, value: a ? accountJson(a, "base64") : null },
              },
            });
        }
      }
  };
  const timer = setInterval(check, checkMs);
  timer.unref();

  server.on("connection", (ws) => {
    const mine = new Map<number, Subscription>();
    subs.set(ws, mine);
    ws.on("close", () => subs.delete(ws));
    ws.on("message", (raw) => {
      if (silent) return;
      let call: { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
      try {
        call = JSON.parse(String(raw));
      } catch {
        send(ws, {
          jsonrpc: "2.0",
          id: null,
          error: { code: RPC_ERRORS.parseError, message: "Parse error" },
        });
        return;
      }
      const id = call.id ?? null;
      const params = Array.isArray(call.params) ? call.params : [];
      const error = (code: number, message: string) =>
        send(ws, { jsonrpc: "2.0", id, error: { code, message } });
      switch (call.method) {
        case "programSubscribe":
        case "accountSubscribe": {
          const [key, config] = params as [
            unknown,
            { commitment?: Commitment; filters?: unknown[] } | undefined,
          ];
          if (typeof key !== "string") return error(RPC_ERRORS.invalidParams, "Invalid params: key");
          const s: Subscription = {
            id: nextId++,
            kind: call.method === "programSubscribe" ? "program" : "account",
            key,
            commitment: config?.commitment ?? "finalized",
            filters: config?.filters ?? [],
            sent: new Map(),
          };
          // what exists now is the baseline: notifications report changes from here on
          for (const [pubkey, a] of accountsOf(s, ledger.slot(s.commitment))) s.sent.set(pubkey, hash(a));
          mine.set(s.id, s);
          subscribed++;
          return send(ws, { jsonrpc: "2.0", id, result: s.id });
        }
        case "programUnsubscribe":
        case "accountUnsubscribe": {
          const removed = typeof params[0] === "number" && mine.delete(params[0]);
          return send(ws, { jsonrpc: "2.0", id, result: removed });
        }
        default:
          return error(RPC_ERRORS.methodNotFound, "Method not found");
      }
    });
  });
  const addr = (opts.on ?? server).address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    get subscribed() {
      return subscribed;
    },
    get open() {
      let n = 0;
      for (const mine of subs.values()) n += mine.size;
      return n;
    },
    drop() {
      for (const ws of subs.keys()) ws.terminate();
    },
    setSilent(next) {
      silent = next;
    },
    async stop() {
      clearInterval(timer);
      for (const ws of subs.keys()) ws.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
