import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** What the proxy does to the traffic it forwards. */
export type RpcFault =
  /** Forward faithfully. */
  | { readonly kind: "none" }
  /** The endpoint is dead: every connection is reset. */
  | { readonly kind: "down" }
  /** Answer eth_chainId / net_version with another chain's id. */
  | { readonly kind: "wrong-chain"; readonly chainId: number }
  /** Malformed answers: broken JSON, or results of the wrong shape for these methods. */
  | { readonly kind: "garbage"; readonly methods?: readonly string[] }
  /** Answer eth_blockNumber `blocks` behind the real head. */
  | { readonly kind: "behind"; readonly blocks: number }
  /** Delay every answer. */
  | { readonly kind: "slow"; readonly ms: number }
  /** Refuse eth_getLogs over more than `maxBlocks` blocks, like hosted providers do. */
  | { readonly kind: "max-log-range"; readonly maxBlocks: number };

export interface RpcProxy {
  readonly url: string;
  readonly port: number;
  /** Replaces the current fault (takes effect on the next request). */
  setFault(fault: RpcFault): void;
  /** Delays every answer by `ms` on top of any fault (0 = none). */
  setDelay(ms: number): void;
  /** Requests received, by JSON-RPC method. */
  readonly calls: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

interface RpcCall {
  jsonrpc: "2.0";
  id: number | string;
  method: string;
  params?: unknown[];
}

const hexToNumber = (v: unknown) =>
  typeof v === "string" && v.startsWith("0x") ? Number.parseInt(v, 16) : NaN;

/**
 * A fault-injecting JSON-RPC proxy on a free 127.0.0.1 port, in front of a
 * real node: dies, lies about the chain id, returns garbage, lags, or refuses
 * large log ranges on demand. Batches are handled element by element.
 */
export async function startRpcProxy(target: string, initial: RpcFault = { kind: "none" }): Promise<RpcProxy> {
  let fault: RpcFault = initial;
  let delayMs = 0;
  const calls = new Map<string, number>();
  const sockets = new Set<Socket>();

  const forward = async (body: string): Promise<unknown> => {
    const res = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    return res.json();
  };

  const handleOne = async (call: RpcCall): Promise<unknown> => {
    calls.set(call.method, (calls.get(call.method) ?? 0) + 1);
    const f = fault;
    if (f.kind === "wrong-chain" && (call.method === "eth_chainId" || call.method === "net_version"))
      return {
        jsonrpc: "2.0",
        id: call.id,
        result: call.method === "eth_chainId" ? `0x${f.chainId.toString(16)}` : String(f.chainId),
      };
    if (f.kind === "max-log-range" && call.method === "eth_getLogs") {
      const filter = (call.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string };
      const span = hexToNumber(filter.toBlock) - hexToNumber(filter.fromBlock) + 1;
      if (span > f.maxBlocks)
        return {
          jsonrpc: "2.0",
          id: call.id,
          error: { code: -32005, message: `query exceeds max block range ${f.maxBlocks}` },
        };
    }
    const answer = (await forward(JSON.stringify(call))) as { result?: unknown };
    if (f.kind === "behind" && call.method === "eth_blockNumber" && typeof answer.result === "string")
      return { ...answer, result: `0x${Math.max(0, hexToNumber(answer.result) - f.blocks).toString(16)}` };
    if (f.kind === "garbage" && (!f.methods || f.methods.includes(call.method)))
      return { ...answer, result: garbageFor(answer.result) };
    return answer;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const f = fault;
    if (f.kind === "down") {
      req.socket.destroy();
      return;
    }
    let raw = "";
    req.on("data", (d: Buffer) => {
      raw += d.toString();
    });
    req.on("end", () => {
      void (async () => {
        try {
          const wait = (f.kind === "slow" ? f.ms : 0) + delayMs;
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const parsed = JSON.parse(raw) as RpcCall | RpcCall[];
          const answer = Array.isArray(parsed)
            ? await Promise.all(parsed.map(handleOne))
            : await handleOne(parsed);
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(answer));
        } catch (err) {
          res.writeHead(502, { "content-type": "text/plain" });
          res.end(`proxy: ${String((err as Error).message)}`);
        }
      })();
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    setDelay(ms) {
      delayMs = ms;
    },
    setFault(next) {
      fault = next;
      if (next.kind === "down") for (const s of sockets) s.destroy();
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A value shaped wrong for whatever `result` was. */
function garbageFor(result: unknown): unknown {
  if (Array.isArray(result))
    return result.map((entry) =>
      typeof entry === "object" && entry !== null
        ? { ...entry, blockHash: "0xnot-a-hash", data: "garbage" }
        : "garbage",
    );
  if (typeof result === "object" && result !== null) return { ...result, hash: 42, number: "soon" };
  if (typeof result === "string") return "not-hex";
  return { garbage: true };
}
