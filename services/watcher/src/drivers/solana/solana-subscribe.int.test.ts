// No Solana validator can run on these machines: the testkit's loopback Solana JSON-RPC and its
// websocket side (programSubscribe, notifications, unsubscribe) serve a scripted ledger.
import { createLogger } from "@breakwater/telemetry";
import { eventually, type SolanaSubscriptions, startSolanaSubscriptions } from "@breakwater/testkit";
import { register } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import type { BlockEvent } from "../../chain-driver.js";
import { duplicateIds, MemorySink } from "../evm/evm-test-helpers.js";
import { SolanaDriver } from "./solana-driver.js";
import { newAddress, SOL_FEED, startTestCluster, type TestCluster } from "./solana-test-cluster.js";

const log = createLogger("test", "silent");
const prices = (events: readonly BlockEvent[]) =>
  events.filter((e) => e.kind === "price").map((e) => (e.value as { price: string }).price);

describe("Solana driver with websocket subscriptions (in-process, loopback RPC)", () => {
  let cluster: TestCluster;
  let subs: SolanaSubscriptions;
  let abort: AbortController;
  let done: Promise<void> | undefined;

  afterEach(async () => {
    abort?.abort();
    await done;
    await subs?.stop();
    await cluster?.stop();
  });

  it("behavior: a notification reads at once (the poll is a minute away); after a websocket drop the driver resubscribes, with no duplicate", async () => {
    cluster = await startTestCluster();
    subs = await startSolanaSubscriptions(cluster.ledger);
    const feed = newAddress();
    await cluster.postPrice(feed, SOL_FEED, 100);
    cluster.ledger.advance(3);
    const sink = new MemorySink();
    const server = cluster.servers[0]!;
    const config = cluster.config({
      pollMs: 60_000,
      rpc: [{ url: server.url, wsUrl: subs.url, name: "rpc0" }],
    });
    abort = new AbortController();
    done = new SolanaDriver({ chainId: "sol-subs", config, log }).start(undefined, sink, abort.signal);
    await eventually(() => (prices(sink.events).length === 1 && subs.open === 1 ? true : undefined));

    await cluster.postPrice(feed, SOL_FEED, 101);
    cluster.ledger.advance(3);
    await eventually(() => (prices(sink.events).length === 2 ? true : undefined), 10_000);

    subs.drop();
    // web3.js reconnects and subscribes again (a change while it is away waits for the next poll)
    await eventually(
      () => (subs.subscribed === 2 && subs.open === 1 ? true : undefined),
      15_000,
      "resubscribed",
    );
    await cluster.postPrice(feed, SOL_FEED, 102);
    cluster.ledger.advance(3);
    await eventually(() => (prices(sink.events).length === 3 ? true : undefined), 10_000);
    expect(prices(sink.events)).toEqual(["100", "101", "102"]);
    expect(duplicateIds(sink.events)).toEqual([]);
    expect(await register.getSingleMetricAsString("bw_watcher_solana_notifications_total")).toMatch(
      /bw_watcher_solana_notifications_total\{chain="sol-subs",endpoint="rpc0"\} [1-9]/,
    );
  });

  it("behavior: subscribe: true subscribes over each endpoint's own URL (ws on the RPC's port)", async () => {
    cluster = await startTestCluster(1, {}, true);
    subs = cluster.servers[0]!.subscriptions!;
    const feed = newAddress();
    await cluster.postPrice(feed, SOL_FEED, 200);
    cluster.ledger.advance(3);
    const sink = new MemorySink();
    const config = cluster.config({ pollMs: 60_000, subscribe: true });
    abort = new AbortController();
    done = new SolanaDriver({ chainId: "sol-subs-same", config, log }).start(undefined, sink, abort.signal);
    await eventually(() => (prices(sink.events).length === 1 && subs.open === 1 ? true : undefined));
    await cluster.postPrice(feed, SOL_FEED, 201);
    cluster.ledger.advance(3);
    await eventually(() => (prices(sink.events).length === 2 ? true : undefined), 10_000);
  });
});
