import { describe, expect, it } from "vitest";
import type { BlockEvent, BlockRef, ChainEventSink, Checkpoint, ResumeData } from "../../chain-driver.js";
import { CheckpointMismatchError } from "../../errors.js";
import { loadScenario, parseScenario } from "./scenario.js";
import { SimDriver } from "./sim-driver.js";

const scenario = parseScenario({ ...loadScenario(), blockTimeMs: 10 });

/** Records what a driver hands over and stops it after `stopAfter` processed blocks. */
class RecordingSink implements ChainEventSink {
  readonly log: string[] = [];
  readonly events: BlockEvent[] = [];
  readonly heads: number[] = [];
  last: Checkpoint | undefined;
  readonly abort = new AbortController();
  constructor(private readonly stopAfterBlock: number) {}
  async head(head: BlockRef) {
    this.heads.push(head.number);
  }
  async publish(e: BlockEvent) {
    this.events.push(e);
    this.log.push(`event ${e.value.eventId}`);
  }
  async processed(block: BlockRef, resume: ResumeData) {
    this.log.push(`processed ${block.number}`);
    this.last = {
      chainId: "sim-a",
      driver: "sim",
      blockNumber: block.number,
      blockHash: block.hash,
      blockTimeMs: block.timeMs,
      resume,
      savedAtMs: Date.now(),
    };
    if (block.number >= this.stopAfterBlock) this.abort.abort();
  }
  trouble() {}
  processedBlocks(): number[] {
    return this.log.filter((l) => l.startsWith("processed")).map((l) => Number(l.split(" ")[1]));
  }
}

describe("SimDriver", () => {
  const genesisMs = Date.now() - 3_000;

  it("default: follows from genesis, a block's events before the block is reported, until stopped", async () => {
    const sink = new RecordingSink(40);
    await new SimDriver({ scenario, chainId: "sim-a", genesisMs }).start(undefined, sink, sink.abort.signal);
    expect(sink.processedBlocks()).toEqual(Array.from({ length: 41 }, (_, n) => n));
    // every event line is followed, before the next block's events, by its own block's "processed"
    let current = -1;
    for (const line of sink.log) {
      if (line.startsWith("processed")) current = Number(line.split(" ")[1]);
      else expect(sink.events.find((e) => `event ${e.value.eventId}` === line)).toBeDefined();
    }
    expect(current).toBe(40);
    expect(sink.heads.at(-1)).toBeGreaterThanOrEqual(40);
    for (const e of sink.events) expect(e.value.observedAtMs).toBeGreaterThanOrEqual(genesisMs);
    expect(sink.last?.resume["genesisMs"]).toBe(genesisMs);
  });

  it("behavior: a restart from a checkpoint continues with exactly the same events and ids", async () => {
    const straight = new RecordingSink(60);
    await new SimDriver({ scenario, chainId: "sim-a", genesisMs }).start(
      undefined,
      straight,
      straight.abort.signal,
    );

    const first = new RecordingSink(25);
    await new SimDriver({ scenario, chainId: "sim-a", genesisMs }).start(
      undefined,
      first,
      first.abort.signal,
    );
    // a new process: genesis comes from the checkpoint
    const second = new RecordingSink(60);
    await new SimDriver({ scenario, chainId: "sim-a" }).start(first.last, second, second.abort.signal);

    expect(second.processedBlocks()[0]).toBe(26);
    const withoutClock = (es: BlockEvent[]) =>
      es.map((e) => ({ ...e, value: { ...e.value, observedAtMs: 0 } }));
    expect(withoutClock([...first.events, ...second.events])).toEqual(withoutClock(straight.events));
  });

  it("behavior: a checkpoint from another genesis, scenario or seed is refused", async () => {
    const run = new RecordingSink(5);
    await new SimDriver({ scenario, chainId: "sim-a", genesisMs }).start(undefined, run, run.abort.signal);
    const cp = run.last!;
    const signal = new AbortController().signal;
    const sink = new RecordingSink(10);
    await expect(
      new SimDriver({ scenario, chainId: "sim-a", genesisMs: genesisMs + 1 }).start(cp, sink, signal),
    ).rejects.toThrow(/BW_SIM_GENESIS_MS is .* but the checkpoint's genesis is/);
    const other = parseScenario({ ...scenario, oracle: { everyBlocks: 1, noiseBps: 0 } });
    await expect(
      new SimDriver({ scenario: other, chainId: "sim-a" }).start(cp, sink, signal),
    ).rejects.toBeInstanceOf(CheckpointMismatchError);
    await expect(
      new SimDriver({ scenario, chainId: "sim-a" }).start({ ...cp, blockHash: "0xbad" }, sink, signal),
    ).rejects.toThrow(/has hash .* the checkpoint says 0xbad/);
    expect(sink.events).toEqual([]);
  });

  it("behavior: a failing sink fails the driver, which can start again from the last checkpoint", async () => {
    const driver = new SimDriver({ scenario, chainId: "sim-a", genesisMs });
    const sink = new RecordingSink(1_000);
    let failures = 1;
    const flaky: ChainEventSink = {
      head: (h) => sink.head(h),
      trouble: () => undefined,
      processed: (b, r) => sink.processed(b, r),
      publish: async (e) => {
        if (e.value.eventId.includes(":5") && failures-- > 0) throw new Error("bus unavailable");
        await sink.publish(e);
      },
    };
    await expect(driver.start(undefined, flaky, sink.abort.signal)).rejects.toThrow("bus unavailable");
    const resumed = new RecordingSink(30);
    await driver.start(sink.last, resumed, resumed.abort.signal);
    expect(resumed.processedBlocks()[0]).toBe(sink.last!.blockNumber + 1);
  });
});
