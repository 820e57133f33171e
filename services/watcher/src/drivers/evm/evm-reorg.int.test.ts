import { createLogger } from "@breakwater/telemetry";
import { eventually } from "@breakwater/testkit";
import { register } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EvmLab, startEvmLab } from "../../demo/evm-lab.js";
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
      await eventually(() => (sink.troubles.some((t) => t?.startsWith("deep reorg")) ? true : undefined));
      await eventually(() => (sink.processedBlock >= base + 10 ? true : undefined));
    } finally {
      abort.abort();
      await done;
    }
    const retracted = sink.events.filter((e) => e.kind === "retraction");
    // the window (4 blocks) knew base+3..base+6: their events are retracted, newest first
    expect(retracted.map((e) => (e.event as { retractedEventId: string }).retractedEventId)).toEqual(
      sink.events
        .slice(2, 6)
        .map((e) => e.event.eventId)
        .reverse(),
    );
    // then the new branch from below the window: the one position of the new base+1
    const after = sink.events.slice(sink.events.indexOf(retracted.at(-1)!) + 1);
    expect(after.map((e) => e.event.eventId)).toEqual([`evm-deep:${kept.blockHash}:0`]);
    const metrics = await register.getSingleMetricAsString("bw_watcher_reorgs_total");
    expect(metrics).toMatch(/bw_watcher_reorgs_total\{chain="evm-deep",depth="deep"\} 1/);
  });
});
