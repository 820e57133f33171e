import { createLogger } from "@breakwater/telemetry";
import { type EvmLab, eventually, startEvmLab } from "@breakwater/testkit";
import { register } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evmChainSchema } from "./evm-config.js";
import { EvmDriver } from "./evm-driver.js";
import { MemorySink } from "./evm-test-helpers.js";

describe("EVM driver and reorgs deeper than its window (in-process)", () => {
  let lab: EvmLab;

  beforeAll(async () => {
    lab = await startEvmLab({ chain: "evm-deep" });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("behavior: a reorg with no common ancestor in the window is an alarm: metric, trouble, retractions, then the new branch", async () => {
    const snapshot = await lab.node.snapshot();
    const base = await lab.node.blockNumber();
    for (let t = 0; t < 6; t++) await lab.open(t, "ETH-PERP", true, 1, 300); // base+1..base+6
    const sink = new MemorySink();
    const config = evmChainSchema.parse(
      lab.chainConfig({ startBlock: base + 1, pollMs: 50, windowBlocks: 4, followRangeBlocks: 100 }),
    );
    const driver = new EvmDriver({ chainId: "evm-deep", config, log: createLogger("test", "silent") });
    const abort = new AbortController();
    const done = driver.start(undefined, sink, abort.signal);
    let kept: Awaited<ReturnType<EvmLab["open"]>>;
    try {
      await eventually(() => (sink.processedBlock >= base + 6 ? true : undefined));
      expect(sink.events).toHaveLength(6);

      await lab.node.revert(snapshot);
      kept = await lab.open(10, "ETH-PERP", false, 2, 500); // base+1 on the new branch
      await lab.node.mine(9);
      // troubles are joined with "; ": a feed check that read a reverted head may be listed first
      await eventually(() =>
        sink.troubles.some((t) => t?.split("; ").some((part) => part.startsWith("deep reorg")))
          ? true
          : undefined,
      );
      await eventually(() => (sink.processedBlock >= base + 10 ? true : undefined));
    } finally {
      abort.abort();
      await done;
    }
    const retracted = sink.events.filter((e) => e.kind === "retraction");
    // the window (4 blocks) knew base+3..base+6: their events are retracted, newest first
    expect(retracted.map((e) => (e.value as { retractedEventId: string }).retractedEventId)).toEqual(
      sink.events
        .slice(2, 6)
        .map((e) => e.value.eventId)
        .reverse(),
    );
    // then the new branch from below the window: the one position of the new base+1
    const after = sink.events.slice(sink.events.indexOf(retracted.at(-1)!) + 1);
    expect(after.map((e) => e.value.eventId)).toEqual([`evm-deep:${kept.blockHash}:0`]);
    const metrics = await register.getSingleMetricAsString("bw_watcher_reorgs_total");
    expect(metrics).toMatch(/bw_watcher_reorgs_total\{chain="evm-deep",depth="deep"\} 1/);
  });

  it("failure: a feed check that cannot be read is a trouble and a metric, and following goes on", async () => {
    const base = await lab.node.blockNumber();
    const cfg = lab.chainConfig({ startBlock: base + 1, pollMs: 20, feedCheckMs: 10 }) as {
      adapters: Record<string, unknown>[];
    };
    // a "feed" with no contract behind it: latestRoundData answers nothing decodable
    cfg.adapters.push({
      kind: "chainlink",
      address: "0x00000000000000000000000000000000000000f1",
      asset: "XYZ",
      pair: "XYZ/USD",
      decimals: 8,
      heartbeatSeconds: 3600,
    });
    const sink = new MemorySink();
    const driver = new EvmDriver({
      chainId: "evm-feeds",
      config: evmChainSchema.parse(cfg),
      log: createLogger("test", "silent"),
    });
    const abort = new AbortController();
    const done = driver.start(undefined, sink, abort.signal);
    try {
      await eventually(() =>
        sink.troubles.some((t) => t?.includes("cannot read chainlink:XYZ/USD")) ? true : undefined,
      );
      const opened = await lab.open(8, "ETH-PERP", true, 1, 300);
      await eventually(() => (sink.processedBlock >= opened.blockNumber ? true : undefined));
    } finally {
      abort.abort();
      await done;
    }
    const metrics = await register.getSingleMetricAsString("bw_watcher_feed_checks_failed_total");
    expect(metrics).toMatch(
      /bw_watcher_feed_checks_failed_total\{chain="evm-feeds",feed="chainlink:XYZ\/USD"\} [1-9]/,
    );
  });
});
