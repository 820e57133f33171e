// No Solana validator can run on these machines: the cluster is the testkit's loopback
// Solana JSON-RPC over a scripted ledger (real HTTP, web3.js 1.x Connection on the driver side).
import { createLogger } from "@breakwater/telemetry";
import { eventually } from "@breakwater/testkit";
import { register } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import type { BlockEvent } from "../../chain-driver.js";
import { MemorySink } from "../evm/evm-test-helpers.js";
import { SolanaDriver } from "./solana-driver.js";
import { newAddress, SOL_FEED, startTestCluster, type TestCluster } from "./solana-test-cluster.js";

const log = createLogger("test", "silent");
const prices = (events: readonly BlockEvent[]) =>
  events.filter((e) => e.kind === "price").map((e) => (e.value as { asset: string; price: string }).price);
const metric = async (name: string, labels: string) => {
  const text = await register.getSingleMetricAsString(name);
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").at(-1)) : 0;
};

describe("Solana driver following a cluster (in-process, loopback RPC)", () => {
  let cluster: TestCluster;
  let abort: AbortController;
  let done: Promise<void> | undefined;

  const follow = (chain: string, over: Record<string, unknown> = {}, sink = new MemorySink()) => {
    const driver = new SolanaDriver({ chainId: chain, config: cluster.config(over), log });
    abort = new AbortController();
    done = driver.start(undefined, sink, abort.signal);
    return { sink, driver };
  };

  afterEach(async () => {
    abort?.abort();
    await done;
    done = undefined;
    await cluster?.stop();
  });

  it("default: publishes each changed price once, with (slot, account, data hash) ids, at the confirmed slot", async () => {
    cluster = await startTestCluster();
    const feed = newAddress();
    await cluster.postPrice(feed, SOL_FEED, 142.5);
    cluster.ledger.advance(3);
    const { sink } = follow("sol-follow");
    await eventually(() => (sink.events.length >= 1 ? true : undefined));
    // polls go on; the unchanged account is not published again
    const slot = cluster.ledger.advance(2);
    await eventually(() => (sink.processedBlock >= slot - 2 ? true : undefined));
    expect(prices(sink.events)).toEqual(["142.5"]);
    const first = sink.events[0]!.value as { eventId: string; coordinates: { blockNumber: number } };
    expect(first.eventId).toMatch(new RegExp(`^sol-follow:\\d+:${feed}:[0-9a-f]{16}$`));
    expect(first.eventId.split(":")[1]).toBe(String(first.coordinates.blockNumber));

    await cluster.postPrice(feed, SOL_FEED, 140);
    // confirmed is 2 slots behind the tip: not seen until the slot is confirmed
    await new Promise((r) => setTimeout(r, 200));
    expect(prices(sink.events)).toEqual(["142.5"]);
    cluster.ledger.advance(2);
    await eventually(() => (sink.events.length >= 2 ? true : undefined));
    expect(prices(sink.events)).toEqual(["142.5", "140"]);
  });

  it("behavior: at finalized commitment a price is published only once its slot is rooted", async () => {
    cluster = await startTestCluster();
    cluster.ledger.advance(40);
    const { sink } = follow("sol-final", { commitment: "finalized" });
    await eventually(() => (sink.processedBlock >= 1_008 ? true : undefined));
    await cluster.postPrice(newAddress(), SOL_FEED, 150);
    cluster.ledger.advance(20);
    await new Promise((r) => setTimeout(r, 200));
    expect(prices(sink.events)).toEqual([]);
    cluster.ledger.advance(12);
    await eventually(() => (prices(sink.events).length === 1 ? true : undefined));
  });

  it("behavior: stale and wide-confidence prices are not published, and each reason is counted", async () => {
    cluster = await startTestCluster();
    const stale0 = await metric(
      "bw_watcher_accounts_rejected_total",
      'chain="sol-reject",adapter="pyth",reason="stale"',
    );
    await cluster.postPrice(newAddress(), SOL_FEED, 142, { ageSeconds: 90 });
    await cluster.postPrice(newAddress(), SOL_FEED, 141, { conf: 5 });
    await cluster.postPrice(newAddress(), SOL_FEED, 143);
    cluster.ledger.advance(3);
    const { sink } = follow("sol-reject");
    await eventually(() => (sink.processedBlock > 0 ? true : undefined));
    expect(prices(sink.events)).toEqual(["143"]);
    expect(
      await metric("bw_watcher_accounts_rejected_total", 'chain="sol-reject",adapter="pyth",reason="stale"'),
    ).toBe(stale0 + 1);
    expect(
      await metric(
        "bw_watcher_accounts_rejected_total",
        'chain="sol-reject",adapter="pyth",reason="wide_confidence"',
      ),
    ).toBe(1);
  });

  it("behavior: a slot rollback retracts what the dropped slots published, newest first, then publishes the surviving fork", async () => {
    cluster = await startTestCluster();
    const a = newAddress();
    const b = newAddress();
    await cluster.postPrice(a, SOL_FEED, 100);
    cluster.ledger.advance(3);
    const { sink } = follow("sol-rollback");
    await eventually(() => (sink.events.length === 1 ? true : undefined));
    const forkBase = cluster.ledger.slot("processed");
    cluster.ledger.advance(1);
    await cluster.postPrice(a, SOL_FEED, 90); // on the fork that is dropped
    await cluster.postPrice(b, SOL_FEED, 91);
    cluster.ledger.advance(3);
    await eventually(() => (sink.events.length === 3 ? true : undefined));
    const dropped = sink.events.slice(1).map((e) => e.value.eventId);

    cluster.ledger.rollback(forkBase); // the fork's slots after forkBase are dropped
    await eventually(() => (sink.events.some((e) => e.kind === "retraction") ? true : undefined));
    cluster.ledger.advance(1);
    await cluster.postPrice(a, SOL_FEED, 95); // what the surviving fork holds
    cluster.ledger.advance(3);
    await eventually(() => (prices(sink.events).length === 4 ? true : undefined));

    const retracted = sink.events
      .filter((e) => e.kind === "retraction")
      .map((e) => (e.value as { retractedEventId: string }).retractedEventId);
    expect(retracted).toEqual([...dropped].reverse());
    const seen = prices(sink.events);
    // the fork's two accounts are read in pubkey order, which is random here
    expect([seen[0], [seen[1], seen[2]].sort(), seen[3]]).toEqual(["100", ["90", "91"], "95"]);
    expect(await metric("bw_watcher_slot_rollbacks_total", 'chain="sol-rollback",depth="window"')).toBe(1);
  });

  it("behavior: a rollback beyond the window is an alarm, and every account is published again from the surviving fork", async () => {
    cluster = await startTestCluster();
    const a = newAddress();
    await cluster.postPrice(a, SOL_FEED, 100);
    cluster.ledger.advance(3);
    const { sink } = follow("sol-deep", { windowSlots: 4 });
    await eventually(() => (sink.events.length === 1 ? true : undefined));
    const first = cluster.ledger.slot("confirmed");
    for (let i = 0; i < 10; i++) {
      cluster.ledger.advance(1); // the first price's slot leaves the 4-slot window
      await eventually(() => (sink.processedBlock >= cluster.ledger.slot("confirmed") ? true : undefined));
    }
    await cluster.postPrice(a, SOL_FEED, 90);
    cluster.ledger.advance(3);
    await eventually(() => (sink.events.length === 2 ? true : undefined));

    cluster.ledger.rollback(first); // confirmed goes back below the first price's slot
    await eventually(() => (sink.troubles.some((t) => t?.includes("deep slot rollback")) ? true : undefined));
    cluster.ledger.advance(4);
    await eventually(() => (prices(sink.events).length === 3 ? true : undefined));
    expect(prices(sink.events)).toEqual(["100", "90", "100"]);
    const retracted = sink.events.filter((e) => e.kind === "retraction");
    expect(retracted.map((e) => (e.value as { retractedEventId: string }).retractedEventId)).toEqual([
      sink.events[1]!.value.eventId,
    ]);
    expect(await metric("bw_watcher_slot_rollbacks_total", 'chain="sol-deep",depth="deep"')).toBe(1);
  });

  it("failure: a silent endpoint fails over to the next; its timeouts are counted", async () => {
    cluster = await startTestCluster(2);
    cluster.servers[0]!.setFault({ kind: "silence" });
    await cluster.postPrice(newAddress(), SOL_FEED, 120);
    cluster.ledger.advance(3);
    const { sink } = follow("sol-silent");
    await eventually(() => (prices(sink.events).length === 1 ? true : undefined), 15_000);
    expect(
      await metric("bw_watcher_rpc_errors_total", 'chain="sol-silent",endpoint="rpc0",reason="transport"'),
    ).toBeGreaterThan(0);
  });

  it("failure: an endpoint slower than its timeout is failed over; the slow answers are never used", async () => {
    cluster = await startTestCluster(2);
    cluster.servers[0]!.setFault({ kind: "slow", ms: 3_000 }); // the endpoints' timeout is 1 s
    await cluster.postPrice(newAddress(), SOL_FEED, 125);
    cluster.ledger.advance(3);
    const { sink } = follow("sol-slow");
    await eventually(() => (prices(sink.events).length === 1 ? true : undefined), 15_000);
    expect(
      await metric("bw_watcher_rpc_errors_total", 'chain="sol-slow",endpoint="rpc0",reason="transport"'),
    ).toBeGreaterThan(0);
    cluster.servers[0]!.setFault({ kind: "none" });
  });

  it("failure: garbage answers are rejected as malformed and counted, never published; the other endpoint serves", async () => {
    cluster = await startTestCluster(2);
    cluster.servers[0]!.setFault({ kind: "garbage", style: "shape" });
    await cluster.postPrice(newAddress(), SOL_FEED, 130);
    cluster.ledger.advance(3);
    const { sink } = follow("sol-garbage");
    await eventually(() => (prices(sink.events).length === 1 ? true : undefined));
    expect(prices(sink.events)).toEqual(["130"]);
    expect(
      await metric("bw_watcher_rpc_errors_total", 'chain="sol-garbage",endpoint="rpc0",reason="malformed"'),
    ).toBeGreaterThan(0);
    cluster.servers[0]!.setFault({ kind: "garbage", style: "text" });
    cluster.servers[1]!.setFault({ kind: "garbage", style: "text" });
    const before = sink.troubles.length;
    await eventually(() =>
      sink.troubles.slice(before).some((t) => t?.includes("getSlot")) ? true : undefined,
    );
    expect(prices(sink.events)).toEqual(["130"]);
  });

  it("behavior: an endpoint far behind in slot leaves the rotation and returns once it catches up", async () => {
    cluster = await startTestCluster(2);
    cluster.ledger.advance(10);
    cluster.servers[1]!.setFault({ kind: "behind", slots: 500 });
    const { driver, sink } = follow("sol-behind", { maxSlotLag: 50 });
    await eventually(() => (driver.rpc.status()[1]!.state === "behind" ? true : undefined));
    await eventually(() => (sink.processedBlock > 0 ? true : undefined));
    cluster.servers[1]!.setFault({ kind: "none" });
    await eventually(() => (driver.rpc.status()[1]!.state === "ok" ? true : undefined));
  });
});
