import type { AddressInfo } from "node:net";
import { createLogger } from "@breakwater/telemetry";
import { register } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { HeadSubscription } from "./head-subscription.js";

const hash = (c: string) => `0x${c.repeat(64)}`;
const head = (n: number) => ({
  number: `0x${n.toString(16)}`,
  hash: hash(String(n % 10)),
  parentHash: hash("f"),
  timestamp: "0x6553f100",
});
const push = (result: unknown) =>
  JSON.stringify({ jsonrpc: "2.0", method: "eth_subscription", params: { subscription: "0x1", result } });

/** A websocket endpoint that confirms eth_subscribe and then sends `frames`. */
async function endpoint(frames: string[]) {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((r) => server.once("listening", r));
  server.on("connection", (socket) =>
    socket.on("message", () => {
      socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, result: "0x1" }));
      for (const f of frames) socket.send(f);
    }),
  );
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise((r) => {
        for (const c of server.clients) c.terminate();
        server.close(r);
      }),
  };
}

const metric = async (name: string, labels: Record<string, string>) => {
  const m = (await register.getMetricsAsJSON()).find((x) => x.name === name);
  return m?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
};

describe("HeadSubscription", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it("behavior: frames that are not heads are counted and ignored; the heads around them wake the waiter", async () => {
    const chain = "heads-unit";
    const server = await endpoint([
      "not json",
      push({ number: "0x5" }), // no hash: not a header
      push(head(7)),
    ]);
    cleanups.push(server.close);
    let trusted = true;
    const heads = new HeadSubscription({
      chain,
      endpoints: [{ name: "unit", url: server.url }],
      log: createLogger("test", "silent"),
      silenceMs: 1_000,
      trusted: () => trusted,
    });
    cleanups.push(() => heads.stop());
    const before = await metric("bw_watcher_rpc_errors_total", { chain, reason: "malformed" });
    heads.start();
    const signal = new AbortController().signal;
    const deadline = Date.now() + 5_000;
    while (heads.lastHead < 0 && Date.now() < deadline) {
      heads.taken();
      await heads.wait(1_000, signal);
    }
    expect(heads.lastHead).toBe(7);
    expect(heads.newerThan(6)?.hash).toBe(hash("7"));
    expect(heads.newerThan(7)).toBeUndefined();
    // an endpoint whose requests are out of rotation (a wrong chain id): its heads only wake
    trusted = false;
    expect(heads.newerThan(6)).toBeUndefined();
    expect(heads.isLive).toBe(true);
    expect((await metric("bw_watcher_rpc_errors_total", { chain, reason: "malformed" })) - before).toBe(2);
  });

  it("behavior: a subscription behind polling for longer than the silence limit is replaced", async () => {
    const chain = "heads-unit-silent";
    const server = await endpoint([push(head(3))]);
    cleanups.push(server.close);
    let nowMs = 0;
    const heads = new HeadSubscription({
      chain,
      endpoints: [{ name: "unit", url: server.url }],
      log: createLogger("test", "silent"),
      silenceMs: 1_000,
      now: () => nowMs,
    });
    cleanups.push(() => heads.stop());
    heads.start();
    const deadline = Date.now() + 5_000;
    while (heads.lastHead < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    heads.crossCheck(3); // polling agrees
    nowMs = 5_000;
    heads.crossCheck(3);
    expect(heads.isLive).toBe(true);
    heads.crossCheck(4); // polling is ahead: the clock starts
    nowMs = 5_999;
    heads.crossCheck(4);
    expect(heads.isLive).toBe(true);
    nowMs = 6_000;
    heads.crossCheck(4);
    expect(heads.isLive).toBe(false);
    expect(
      await metric("bw_watcher_head_subscription_replaced_total", {
        chain,
        endpoint: "unit",
        reason: "silent",
      }),
    ).toBe(1);
  });
});
