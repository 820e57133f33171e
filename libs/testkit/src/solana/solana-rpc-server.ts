import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { SolanaLedger } from "./solana-ledger.js";
import { METHODS, RPC_ERRORS, RpcMethodError } from "./solana-rpc-methods.js";
import { type SolanaSubscriptions, startSolanaSubscriptions } from "./solana-subscriptions.js";

/** What a test Solana endpoint does wrong, on demand. */
export type SolanaRpcFault =
  /** Answer faithfully. */
  | { readonly kind: "none" }
  /** Accept requests and never answer them. */
  | { readonly kind: "silence" }
  /** Answer with broken JSON (`"text"`) or results of the wrong shape (`"shape"`). */
  | { readonly kind: "garbage"; readonly style: "text" | "shape"; readonly methods?: readonly string[] }
  /** Delay every answer by `ms`. */
  | { readonly kind: "slow"; readonly ms: number }
  /** Serve the ledger `slots` behind the tip (an endpoint that fell behind). */
  | { readonly kind: "behind"; readonly slots: number };

export interface SolanaRpcServer {
  readonly url: string;
  readonly port: number;
  readonly ledger: SolanaLedger;
  /** Replaces the current fault (takes effect on the next request). */
  setFault(fault: SolanaRpcFault): void;
  /** Requests received, by method. */
  readonly calls: ReadonlyMap<string, number>;
  /** The websocket side on the same port (ws://127.0.0.1:<port>), when started with `websocket`. */
  readonly subscriptions: SolanaSubscriptions | undefined;
  stop(): Promise<void>;
}

interface Call {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

const GARBAGE_SHAPE: Record<string, unknown> = {
  getSlot: "not-a-slot",
  getBlockTime: { t: 1 },
  getProgramAccounts: { context: { slot: "x" }, value: [{ pubkey: 7, account: null }] },
  getAccountInfo: { value: 3 },
};

/**
 * A Solana JSON-RPC endpoint on a free 127.0.0.1 port, serving `ledger`
 * with the request and response shapes of the Solana RPC specification
 * (`context.slot`, error objects with their codes), and the fault modes
 * tests need. Several servers may share one ledger (endpoints of one cluster).
 */
export async function startSolanaRpc(
  ledger: SolanaLedger,
  initial: SolanaRpcFault = { kind: "none" },
  opts: { readonly websocket?: boolean } = {},
): Promise<SolanaRpcServer> {
  let fault: SolanaRpcFault = initial;
  const calls = new Map<string, number>();
  const sockets = new Set<Socket>();
  const pending = new Set<ServerResponse>();

  const answer = (call: Call): unknown => {
    const id = typeof call.id === "number" || typeof call.id === "string" ? call.id : null;
    const error = (code: number, message: string, data?: unknown) => ({
      jsonrpc: "2.0",
      id,
      error: data === undefined ? { code, message } : { code, message, data },
    });
    if (call.jsonrpc !== "2.0" || typeof call.method !== "string")
      return error(RPC_ERRORS.invalidRequest, "Invalid request");
    calls.set(call.method, (calls.get(call.method) ?? 0) + 1);
    const method = METHODS[call.method];
    if (!method) return error(RPC_ERRORS.methodNotFound, "Method not found");
    const params = call.params === undefined ? [] : call.params;
    if (!Array.isArray(params)) return error(RPC_ERRORS.invalidParams, "Invalid params");
    if (
      fault.kind === "garbage" &&
      fault.style === "shape" &&
      (!fault.methods || fault.methods.includes(call.method))
    )
      return { jsonrpc: "2.0", id, result: GARBAGE_SHAPE[call.method] ?? null };
    try {
      const lagSlots = fault.kind === "behind" ? fault.slots : 0;
      return { jsonrpc: "2.0", id, result: method({ ledger, lagSlots }, params) };
    } catch (err) {
      if (err instanceof RpcMethodError) return error(err.code, err.message, err.data);
      return error(-32603, `Internal error: ${String(err)}`);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    if (fault.kind === "silence") {
      pending.add(res);
      res.on("close", () => pending.delete(res));
      return;
    }
    if (fault.kind === "slow") await new Promise((r) => setTimeout(r, (fault as { ms: number }).ms));
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    const methods = Array.isArray(parsed) ? parsed.map((c: Call) => c?.method) : [(parsed as Call)?.method];
    if (
      fault.kind === "garbage" &&
      fault.style === "text" &&
      (!fault.methods ||
        methods.some((m) => typeof m === "string" && fault.kind === "garbage" && fault.methods!.includes(m)))
    ) {
      res.writeHead(200, { "content-type": "application/json" }).end('{"jsonrpc":"2.0","id":1,"result":{[');
      return;
    }
    const out =
      parsed === undefined
        ? { jsonrpc: "2.0", id: null, error: { code: RPC_ERRORS.parseError, message: "Parse error" } }
        : Array.isArray(parsed)
          ? parsed.map((c) => answer(c as Call))
          : answer(parsed as Call);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  const subscriptions = opts.websocket ? await startSolanaSubscriptions(ledger, { on: server }) : undefined;
  return {
    subscriptions,
    url: `http://127.0.0.1:${port}`,
    port,
    ledger,
    calls,
    setFault(next) {
      fault = next;
      if (next.kind !== "silence") for (const res of pending) res.destroy();
    },
    async stop() {
      await subscriptions?.stop();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
