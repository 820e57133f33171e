import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, connectBus } from "@breakwater/bus";
import {
  type EvmLab,
  eventually,
  type NatsServer,
  type RpcProxy,
  type ServiceProcess,
  startEvmLab,
  startNats,
  startRpcProxy,
  startService,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointOf, WATCHER_ENTRY } from "../../test-helpers.js";
import { duplicateIds, openPositions, publishedEvents } from "./evm-test-helpers.js";

const CHAIN = "evm-backfill";
const ROUNDS = 20;
const GAP = 100;

describe("EVM watcher backfilling after downtime", () => {
  let nats: NatsServer;
  let bus: Bus;
  let lab: EvmLab;
  let proxy: RpcProxy;
  let file: string;
  const running: ServiceProcess[] = [];

  const start = () => {
    const w = startService(WATCHER_ENTRY, ["--chain", CHAIN], {
      BW_NATS_URL: nats.url,
      BW_HTTP_PORT: "0",
      BW_DRIVER: "evm",
      BW_EVM_CONFIG: file,
      BW_EVM_RPC_URLS: proxy.url,
      BW_HEAD_STALE_MS: "600000",
      BW_HEAD_DOWN_MS: "1200000",
    });
    running.push(w);
    return w;
  };
  const processed = async () => (await checkpointOf(bus, CHAIN))?.blockNumber ?? -1;

  beforeAll(async () => {
    [nats, lab] = await Promise.all([startNats(), startEvmLab({ chain: CHAIN })]);
    bus = await connectBus({ url: nats.url, name: "evm-backfill-test" });
    // the provider refuses eth_getLogs over more than 64 blocks; the watcher asks for 1000
    proxy = await startRpcProxy(lab.rpcUrl, { kind: "max-log-range", maxBlocks: 64 });
    file = join(mkdtempSync(join(tmpdir(), "bw-evm-")), "chain.json");
    lab.writeChainConfig(file, { pollMs: 100, maxLogRange: 1000, followRangeBlocks: 4 });
    // history written while no watcher runs: a price and a position every GAP blocks
    for (let i = 0; i < ROUNDS; i++) {
      await lab.setPrice("ETH", 3000 - i);
      if (i < 10) await lab.open(i, "ETH-PERP", i % 2 === 0, 1 + i, 500);
      await lab.node.mine(GAP);
    }
  });

  afterAll(async () => {
    await Promise.all(running.map((w) => w.kill()));
    await proxy?.stop();
    await bus?.close();
    await Promise.all([nats?.dispose(), lab?.stop()]);
  });

  it("behavior: kill -9 mid-backfill and a restart leave no gap and no duplicate at the consumer", async () => {
    const tip = await lab.node.blockNumber();
    expect(tip).toBeGreaterThan(ROUNDS * GAP);
    proxy.setDelay(15); // slow enough to be killed half way
    const first = start();
    await eventually(
      async () => ((await processed()) > tip / 3 ? true : undefined),
      30_000,
      "a third backfilled",
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${first.output().slice(-3000)}`);
    });
    await first.kill();
    const killedAt = await processed();
    expect(killedAt).toBeLessThan(tip);
    expect(first.output()).toMatch(/"msg":"log range refused; splitting"/);
    expect(first.output()).toMatch(/"blocksPerSecond":\d+,"etaSeconds":\d+.*"msg":"backfill progress"/);

    proxy.setDelay(0);
    const second = start();
    expect(JSON.parse(await second.waitFor(/"msg":"watcher started"/)).resumeFrom).toBe(killedAt);
    await eventually(async () => ((await processed()) >= tip ? true : undefined), 30_000, "caught up");
    await second.waitFor(/"msg":"backfill done; following the head"/);

    const events = await publishedEvents(bus, CHAIN);
    expect(duplicateIds(events)).toEqual([]);
    const prices = events.filter((e) => e.kind === "price").map((e) => e.value.price);
    // the constructor's 3000, then one answer per round: none missing, none twice
    expect(prices).toEqual(["3000", ...Array.from({ length: ROUNDS }, (_, i) => String(3000 - i))]);
    expect(openPositions(events)).toHaveLength(10);
    const metrics = await (
      await fetch(`${JSON.parse(await second.waitFor(/"msg":"watcher started"/)).http}/metrics`)
    ).text();
    expect(metrics).toMatch(
      new RegExp(`^bw_watcher_backfill_remaining_blocks\\{chain="${CHAIN}"\\} 0$`, "m"),
    );
    expect(metrics).toMatch(
      new RegExp(`^bw_watcher_backfill_blocks_per_second\\{chain="${CHAIN}"\\} [\\d.e+]+$`, "m"),
    );
  }, 60_000);
});
