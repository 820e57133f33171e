import { PositionStatus } from "@breakwater/proto";
import { createLogger } from "@breakwater/telemetry";
import { type EvmLab, eventually, startEvmLab } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evmChainSchema } from "./evm-config.js";
import { EvmDriver } from "./evm-driver.js";
import { MemorySink } from "./evm-test-helpers.js";

describe("the EVM demo chain", () => {
  let lab: EvmLab;

  beforeAll(async () => {
    lab = await startEvmLab({ chain: "evm-demo" });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("default: seeded positions, then an ETH crash with liquidations, as the watcher's driver sees them", async () => {
    const seeded = await lab.seedPositions("ETH", 12);
    await lab.crash("ETH", { move: -0.2, steps: 4, stepMs: 10, liquidate: true });
    const tip = await lab.node.blockNumber();

    const sink = new MemorySink();
    const config = evmChainSchema.parse(lab.chainConfig({ pollMs: 50 }));
    const driver = new EvmDriver({ chainId: "evm-demo", config, log: createLogger("test", "silent") });
    const abort = new AbortController();
    const done = driver.start(undefined, sink, abort.signal);
    await eventually(() => (sink.processedBlock >= tip ? true : undefined));
    abort.abort();
    await done;

    const prices = sink.events
      .filter((e) => e.kind === "price")
      .map((e) => Number((e.value as { price: string }).price));
    expect(prices).toEqual([3000, 2850, 2700, 2550, 2400]);
    const positions = sink.events
      .filter((e) => e.kind === "position")
      .map((e) => e.value as { status: number });
    expect(
      positions.slice(0, seeded.length).every((p) => p.status === PositionStatus.POSITION_STATUS_OPEN),
    ).toBe(true);
    const liquidated = positions.filter((p) => p.status === PositionStatus.POSITION_STATUS_LIQUIDATED);
    // longs at 5x or more cannot survive -20%; shorts gain
    expect(liquidated.length).toBeGreaterThanOrEqual(3);
    expect(await lab.liquidateUnderwater("ETH-PERP")).toBe(0);
  });
});
