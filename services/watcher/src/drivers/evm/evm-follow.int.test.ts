import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, connectBus } from "@breakwater/bus";
import { PositionSide } from "@breakwater/proto";
import {
  type EvmLab,
  eventually,
  type NatsServer,
  type ServiceProcess,
  startEvmLab,
  startNats,
  startService,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointOf, WATCHER_ENTRY } from "../../test-helpers.js";
import { duplicateIds, openPositions, publishedEvents } from "./evm-test-helpers.js";

const CHAIN = "evm-follow";
const LONG = PositionSide.POSITION_SIDE_LONG;
const SHORT = PositionSide.POSITION_SIDE_SHORT;

describe("EVM watcher following a Hardhat chain", () => {
  let nats: NatsServer;
  let bus: Bus;
  let lab: EvmLab;
  let watcher: ServiceProcess;
  let http: string;

  const processed = async () => (await checkpointOf(bus, CHAIN))?.blockNumber ?? -1;
  const account = (i: number) => lab.traders[i]!.toLowerCase();

  beforeAll(async () => {
    [nats, lab] = await Promise.all([startNats(), startEvmLab({ chain: CHAIN })]);
    bus = await connectBus({ url: nats.url, name: "evm-follow-test" });
    const file = join(mkdtempSync(join(tmpdir(), "bw-evm-")), "chain.json");
    lab.writeChainConfig(file, { pollMs: 100 });
    watcher = startService(WATCHER_ENTRY, ["--chain", CHAIN], {
      BW_NATS_URL: nats.url,
      BW_HTTP_PORT: "0",
      BW_DRIVER: "evm",
      BW_EVM_CONFIG: file,
      BW_HEARTBEAT_MS: "200",
      BW_HEAD_STALE_MS: "600000",
      BW_HEAD_DOWN_MS: "1200000",
    });
    http = (JSON.parse(await watcher.waitFor(/"msg":"watcher started"/)) as { http: string }).http;
  });

  afterAll(async () => {
    await watcher?.kill();
    await bus?.close();
    await Promise.all([nats?.dispose(), lab?.stop()]);
  });

  it("publishes the venue's positions and the feed's prices with chain coordinates", async () => {
    await lab.open(0, "ETH-PERP", true, 2, 1000);
    const last = await lab.open(1, "ETH-PERP", false, 1.5, 600);
    await lab.setPrice("ETH", 2950);
    await eventually(async () => ((await processed()) >= last.blockNumber + 1 ? true : undefined));

    const events = await publishedEvents(bus, CHAIN);
    const positions = events.filter((e) => e.kind === "position").map((e) => e.value);
    expect(positions).toHaveLength(2);
    expect(positions[0]).toMatchObject({
      chainId: CHAIN,
      venueId: "perp-evm",
      account: account(0),
      market: "ETH-PERP",
      asset: "ETH",
      side: LONG,
      size: "2",
      entryPrice: "3000",
      collateralAsset: "USDC",
      collateralAmount: "1000",
    });
    expect(Number(positions[0]!.liquidationPrice)).toBeCloseTo(3000 - (1000 - 30) / 2, 6);
    expect(positions[1]!.coordinates).toMatchObject({
      blockNumber: last.blockNumber,
      blockHash: last.blockHash,
    });
    expect(positions[1]!.eventId).toBe(`${CHAIN}:${last.blockHash}:0`);
    const prices = events.filter((e) => e.kind === "price").map((e) => e.value);
    // the aggregator's constructor posted 3000
    expect(prices.map((p) => [p.source, p.asset, p.price])).toEqual([
      ["chainlink:ETH/USD", "ETH", "3000"],
      ["chainlink:ETH/USD", "ETH", "2950"],
    ]);
    expect(openPositions(events)).toEqual(
      [`${account(0)} ETH-PERP ${LONG} 2`, `${account(1)} ETH-PERP ${SHORT} 1.5`].sort(),
    );
  });

  it("behavior: a reorg of depth 3 retracts the orphaned blocks' events; the consumer's book matches the new branch", async () => {
    const snapshot = await lab.node.snapshot();
    const base = await lab.node.blockNumber();
    await lab.open(2, "ETH-PERP", true, 5, 2000); // base+1, orphaned
    await lab.increase(0, "ETH-PERP", 1, 0); // base+2, orphaned
    const orphanTip = await lab.open(3, "ETH-PERP", false, 3, 900); // base+3, orphaned
    expect(orphanTip.blockNumber).toBe(base + 3);
    await eventually(async () => ((await processed()) >= base + 3 ? true : undefined));
    const before = openPositions(await publishedEvents(bus, CHAIN));
    expect(before).toHaveLength(4);

    await lab.node.revert(snapshot);
    await lab.open(4, "ETH-PERP", true, 1, 500); // base+1 on the new branch
    await lab.node.mine(3); // base+2..base+4: the new branch is longer
    const tip = await lab.node.blockNumber();
    const tipHash = (await lab.node.rpc<{ hash: string }>("eth_getBlockByNumber", ["latest", false])).hash;
    await eventually(async () => {
      const cp = await checkpointOf(bus, CHAIN);
      return cp && cp.blockNumber >= tip && cp.blockHash !== undefined ? cp : undefined;
    });
    expect((await checkpointOf(bus, CHAIN))!.blockHash).toBe(tipHash);

    const events = await publishedEvents(bus, CHAIN);
    const retractions = events.filter((e) => e.kind === "retraction").map((e) => e.value);
    expect(retractions).toHaveLength(3);
    expect(retractions.every((r) => r.reason.startsWith("reorg: block"))).toBe(true);
    expect(duplicateIds(events)).toEqual([]);
    expect(openPositions(events)).toEqual(
      [
        `${account(0)} ETH-PERP ${LONG} 2`,
        `${account(1)} ETH-PERP ${SHORT} 1.5`,
        `${account(4)} ETH-PERP ${LONG} 1`,
      ].sort(),
    );
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^bw_watcher_reorgs_total\\{chain="${CHAIN}",depth="3"\\} 1$`, "m"));
    expect(metrics).toMatch(new RegExp(`^bw_watcher_blocks_processed_total\\{chain="${CHAIN}"\\} \\d+`, "m"));
    expect(metrics).toMatch(new RegExp(`^bw_watcher_head_lag_blocks\\{chain="${CHAIN}"\\} \\d+`, "m"));
  });
});
