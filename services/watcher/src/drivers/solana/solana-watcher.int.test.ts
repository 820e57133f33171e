// The watcher process with the Solana driver against a real nats-server (JetStream) and the
// testkit's loopback Solana JSON-RPC: no Solana validator can run on these machines.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, connectBus } from "@breakwater/bus";
import {
  eventually,
  type NatsServer,
  type ServiceProcess,
  type SlotClock,
  startNats,
  startService,
  startSlotClock,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointOf, WATCHER_ENTRY } from "../../test-helpers.js";
import { duplicateIds, publishedEvents } from "../evm/evm-test-helpers.js";
import { BTC_FEED, newAddress, SOL_FEED, startTestCluster, type TestCluster } from "./solana-test-cluster.js";

const CHAIN = "sol-watch";

describe("Solana watcher process (real NATS, loopback Solana RPC)", () => {
  let nats: NatsServer;
  let bus: Bus;
  let cluster: TestCluster;
  let clock: SlotClock;
  let watcher: ServiceProcess | undefined;
  let file: string;
  const sol = newAddress();
  const btc = newAddress();

  const checkpointSlot = async () => (await checkpointOf(bus, CHAIN))?.blockNumber ?? -1;
  const prices = async () =>
    (await publishedEvents(bus, CHAIN))
      .filter((e) => e.kind === "price")
      .map((e) => `${(e.value as { asset: string }).asset} ${(e.value as { price: string }).price}`);
  const startWatcher = async () => {
    watcher = startService(WATCHER_ENTRY, ["--chain", CHAIN], {
      BW_NATS_URL: nats.url,
      BW_HTTP_PORT: "0",
      BW_DRIVER: "solana",
      BW_SOLANA_CONFIG: file,
      BW_HEARTBEAT_MS: "200",
      BW_HEAD_STALE_MS: "3000",
      BW_HEAD_DOWN_MS: "60000",
    });
    return (JSON.parse(await watcher.waitFor(/"msg":"watcher started"/, 30_000)) as { http: string }).http;
  };

  beforeAll(async () => {
    [nats, cluster] = await Promise.all([startNats(), startTestCluster(1, { wallClock: true })]);
    bus = await connectBus({ url: nats.url, name: "sol-watch-test" });
    file = join(mkdtempSync(join(tmpdir(), "bw-sol-")), "cluster.json");
    writeFileSync(file, JSON.stringify({ ...cluster.config({ pollMs: 100 }) }));
    // a slot every 100 ms, each stamped with the wall-clock time it is produced at
    clock = startSlotClock(cluster.ledger, 100);
  });

  afterAll(async () => {
    clock?.stop();
    await watcher?.kill();
    await bus?.close();
    await Promise.all([nats?.dispose(), cluster?.stop()]);
  });

  it("publishes prices to the bus, checkpoints the slot in NATS, and after a restart publishes only what changed while down", async () => {
    await cluster.postPrice(sol, SOL_FEED, 150);
    await cluster.postPrice(btc, BTC_FEED, 60_000);
    const http = await startWatcher();
    await eventually(async () => ((await prices()).length === 2 ? true : undefined), 20_000);
    const ready = await fetch(`${http}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`^bw_watcher_solana_accounts_read_total\\{chain="${CHAIN}",adapter="pyth"\\} \\d+`, "m"),
    );
    expect(metrics).toMatch(new RegExp(`^bw_watcher_solana_slot_lag\\{chain="${CHAIN}"\\} \\d+`, "m"));

    await watcher!.kill();
    const down = await checkpointSlot();
    await cluster.postPrice(sol, SOL_FEED, 140); // changes while the watcher is down
    const resumedFrom = cluster.ledger.slot("confirmed");
    await startWatcher();
    await eventually(async () => ((await checkpointSlot()) > resumedFrom + 5 ? true : undefined), 20_000);
    expect(down).toBeGreaterThan(0);

    const events = await publishedEvents(bus, CHAIN);
    expect(duplicateIds(events)).toEqual([]);
    // the unchanged BTC feed was not published again; the SOL change was, once
    expect((await prices()).sort()).toEqual(["BTC 60000", "SOL 140", "SOL 150"]);
  });

  it("behavior: /readyz turns false when the slot stops advancing", async () => {
    const http = (
      JSON.parse(
        watcher!
          .output()
          .match(/\{[^\n]*"msg":"watcher started"[^\n]*\}/g)!
          .at(-1)!,
      ) as {
        http: string;
      }
    ).http;
    clock.stop();
    await eventually(async () => ((await fetch(`${http}/readyz`)).status === 503 ? true : undefined), 15_000);
    clock = startSlotClock(cluster.ledger, 100);
    await eventually(async () => ((await fetch(`${http}/readyz`)).status === 200 ? true : undefined), 15_000);
  });
});
