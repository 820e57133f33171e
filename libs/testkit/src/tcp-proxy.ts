import { createServer, Socket } from "node:net";

/** What the proxy does to the connections it carries. */
export type TcpProxyMode =
  /** Forward both ways. */
  | "forward"
  /** Keep every connection open and carry nothing (a silent, half-dead link). */
  | "blackhole";

export interface TcpProxy {
  readonly port: number;
  /** Changes what the proxy does to traffic from now on (connections stay open). */
  setMode(mode: TcpProxyMode): void;
  /** Closes every connection it carries (the listener stays up). */
  dropConnections(): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  stop(): Promise<void>;
}

/**
 * A TCP proxy on a free 127.0.0.1 port in front of `targetPort` (a websocket,
 * any stream protocol), for faults below the protocol: it drops every
 * connection, or holds them open while carrying nothing.
 */
export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  let mode: TcpProxyMode = "forward";
  let accepted = 0;
  const pairs = new Set<[Socket, Socket]>();
  const carry = (from: Socket, to: Socket) =>
    from.on("data", (chunk) => {
      if (mode === "forward") to.write(chunk);
    });
  const server = createServer((client) => {
    accepted += 1;
    const upstream = new Socket();
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of pair) s.on("error", close).on("close", close);
    upstream.connect(targetPort, targetHost);
    carry(client, upstream);
    carry(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("TCP proxy has no port");
  const dropConnections = () => {
    for (const [a, b] of [...pairs]) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    port: address.port,
    setMode: (m) => {
      mode = m;
    },
    dropConnections,
    get accepted() {
      return accepted;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        dropConnections();
        server.close(() => resolve());
      }),
  };
}
