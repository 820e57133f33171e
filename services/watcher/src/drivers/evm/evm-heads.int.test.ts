// Heads pushed over websocket on a real Hardhat node, with the watcher as a
// process: a price lands on the bus as its block is mined, not on the next
// poll; a subscription whose socket closes, or that falls silent behind a
// blackholed link, is replaced while polling carries on; `confirmations`
// holds with pushed heads.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, connectBus, decodeChainEvent, subjects } from "@breakwater/bus";
import type { PriceTick } from "@breakwater/proto";
import {
  type EvmLab,
  eventually,
  type NatsServer,
  type ServiceProcess,
  startEvmLab,
  startNats,
  startService,
  startTcpProxy,
  type TcpProxy,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointOf, WATCHER_ENTRY } from "../../test-helpers.js";

const PUSHED = "evm-heads";
const DEEP = "evm-heads-deep";

describe("EVM watcher following new heads over websocket", () => {
  let nats: NatsServer;
  let bus: Bus;
  let lab: EvmLab;
  let pushedLink: TcpProxy;
  let deepLink: TcpProxy;
  const watchers: Record<string, ServiceProcess> = {};
  const http: Record<string, string> = {};
  const dir = mkdtempSync(join(tmpdir(), "bw-evm-heads-"));

  /** Prices of `chain` as they reach the bus, with the time they arrived. */
  const arrivals: Record<string, { price: string; atMs: number }[]> = { [PUSHED]: [], [DEEP]: [] };
  const priceArrival = (chain: string, price: string, timeoutMs: number) =>
    eventually(
      async () => arrivals[chain]!.find((a) => a.price === price),
      timeoutMs,
      `${chain} price ${price}`,
    );
  const metric = async (chain: string, pattern: RegExp) =>
    pattern.exec(await (await fetch(`${http[chain]}/metrics`)).text());

  const startWatcher = async (chain: string, link: TcpProxy, overrides: Record<string, unknown>) => {
    const file = join(dir, `${chain}.json`);
    lab.writeChainConfig(file, {
      rpc: [{ url: lab.rpcUrl, ws: `ws://127.0.0.1:${link.port}`, name: "hardhat" }],
      startBlock: "latest",
      ...overrides,
    });
    const w = startService(WATCHER_ENTRY, ["--chain", chain], {
      BW_NATS_URL: nats.url,
      BW_HTTP_PORT: "0",
      BW_DRIVER: "evm",
      BW_EVM_CONFIG: file,
      BW_HEARTBEAT_MS: "200",
      BW_HEAD_STALE_MS: "600000",
      BW_HEAD_DOWN_MS: "1200000",
    });
    watchers[chain] = w;
    http[chain] = (JSON.parse(await w.waitFor(/"msg":"watcher started"/)) as { http: string }).http;
    await w.waitFor(/following new heads over websocket/);
  };

  beforeAll(async () => {
    [nats, lab] = await Promise.all([startNats(), startEvmLab({ chain: PUSHED })]);
    bus = await connectBus({ url: nats.url, name: "evm-heads-test" });
    for (const chain of [PUSHED, DEEP]) {
      const subject = subjects.price(chain);
      const sub = bus.nc.subscribe(subject);
      void (async () => {
        for await (const m of sub) {
          const e = decodeChainEvent(subject, m.data);
          if (e?.kind === "price")
            arrivals[chain]!.push({ price: (e.value as PriceTick).price, atMs: performance.now() });
        }
      })();
    }
    const port = Number(new URL(lab.rpcUrl).port);
    [pushedLink, deepLink] = await Promise.all([startTcpProxy(port), startTcpProxy(port)]);
    await Promise.all([
      // polling alone would take up to a minute
      startWatcher(PUSHED, pushedLink, { confirmations: 0, pollMs: 60_000, crossCheckMs: 60_000 }),
      startWatcher(DEEP, deepLink, {
        confirmations: 2,
        pollMs: 200,
        crossCheckMs: 400,
        headSilenceMs: 1_000,
      }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(Object.values(watchers).map((w) => w.kill()));
    await bus?.close();
    await Promise.all([pushedLink?.stop(), deepLink?.stop()]);
    await Promise.all([nats?.dispose(), lab?.stop()]);
  });

  it("default: a mined price is published within a second, with polling a minute apart", async () => {
    for (const usd of [2900, 2800, 2700]) {
      const landedAt = performance.now();
      await lab.setPrice("ETH", usd);
      const arrived = await priceArrival(PUSHED, String(usd), 5_000);
      expect(arrived.atMs - landedAt).toBeLessThan(1_000);
    }
    expect(
      await metric(PUSHED, /^bw_watcher_head_subscription_live\{chain="evm-heads"\} 1$/m),
    ).not.toBeNull();
  });

  it("behavior: a closed socket is replaced, and heads are pushed again", async () => {
    pushedLink.dropConnections();
    await watchers[PUSHED]!.waitFor(/"reason":"closed".*new-heads subscription lost/, 5_000);
    await eventually(
      async () =>
        (await metric(PUSHED, /^bw_watcher_head_subscription_live\{chain="evm-heads"\} 1$/m)) ?? undefined,
      5_000,
    );
    const landedAt = performance.now();
    await lab.setPrice("ETH", 2650);
    const arrived = await priceArrival(PUSHED, "2650", 5_000);
    expect(arrived.atMs - landedAt).toBeLessThan(1_000);
    expect(
      await metric(
        PUSHED,
        /^bw_watcher_head_subscription_replaced_total\{chain="evm-heads",endpoint="hardhat",reason="closed"\} 1$/m,
      ),
    ).not.toBeNull();
  });

  it("behavior: with confirmations 2, a pushed head publishes a block only once it is 2 deep", async () => {
    const landed = await lab.setPrice("ETH", 2600);
    await eventually(async () =>
      (await checkpointOf(bus, DEEP))?.blockNumber === landed.blockNumber - 2 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 600));
    expect(arrivals[DEEP]!.some((a) => a.price === "2600")).toBe(false);
    await lab.node.mine(1);
    await new Promise((r) => setTimeout(r, 600));
    expect(arrivals[DEEP]!.some((a) => a.price === "2600")).toBe(false);
    const minedAt = performance.now();
    await lab.node.mine(1);
    const arrived = await priceArrival(DEEP, "2600", 5_000);
    expect(arrived.atMs - minedAt).toBeLessThan(1_000);
    expect((await checkpointOf(bus, DEEP))?.blockNumber).toBe(landed.blockNumber);
  });

  it("behavior: a subscription silent behind a blackholed link is detected and replaced; polling carries on meanwhile", async () => {
    deepLink.setMode("blackhole");
    const landed = await lab.setPrice("ETH", 2550);
    await lab.node.mine(2);
    // polled (every pollMs once the subscription is behind), not pushed
    await priceArrival(DEEP, "2550", 5_000);
    const line = await watchers[DEEP]!.waitFor(/"reason":"silent".*new-heads subscription lost/, 5_000);
    expect(line).toMatch(
      new RegExp(
        `polling sees head (${landed.blockNumber}|${landed.blockNumber + 1}|${landed.blockNumber + 2}),`,
      ),
    );
    deepLink.setMode("forward");
    await eventually(
      async () =>
        (await metric(DEEP, /^bw_watcher_head_subscription_live\{chain="evm-heads-deep"\} 1$/m)) ?? undefined,
      10_000,
    );
    expect(
      await metric(
        DEEP,
        /^bw_watcher_head_subscription_replaced_total\{chain="evm-heads-deep",endpoint="hardhat",reason="silent"\} 1$/m,
      ),
    ).not.toBeNull();
    expect(deepLink.accepted).toBeGreaterThanOrEqual(2);
  });
});
