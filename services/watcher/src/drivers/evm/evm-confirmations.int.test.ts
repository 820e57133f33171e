// What `confirmations` promises and what a restart owes a reorg, proven on a
// real chain with the watcher as a process: a block fewer than
// `confirmations` below the head is never published, and a reorg that happens
// while the watcher is down is retracted when it comes back.
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
import { checkpointOf, readChain, WATCHER_ENTRY } from "../../test-helpers.js";
import { duplicateIds, openPositions, publishedEvents } from "./evm-test-helpers.js";

const LONG = PositionSide.POSITION_SIDE_LONG;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("EVM watcher: confirmations and restarts on a Hardhat chain", () => {
  let nats: NatsServer;
  let bus: Bus;
  let lab: EvmLab;
  const watchers: ServiceProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), "bw-evm-confirm-"));

  const account = (i: number) => lab.traders[i]!.toLowerCase();
  const processed = async (chain: string) => (await checkpointOf(bus, chain))?.blockNumber ?? -1;
  const startWatcher = (chain: string, file: string) => {
    const w = startService(WATCHER_ENTRY, ["--chain", chain], {
      BW_NATS_URL: nats.url,
      BW_HTTP_PORT: "0",
      BW_DRIVER: "evm",
      BW_EVM_CONFIG: file,
      BW_HEARTBEAT_MS: "200",
      BW_HEAD_STALE_MS: "600000",
      BW_HEAD_DOWN_MS: "1200000",
    });
    watchers.push(w);
    return w;
  };
  const chainFile = (name: string, overrides: Record<string, unknown>) => {
    const file = join(dir, `${name}.json`);
    lab.writeChainConfig(file, { pollMs: 100, ...overrides });
    return file;
  };
  /** Positions of `trader` the chain's watcher published. */
  const positionsOf = async (chain: string, trader: number) =>
    (await readChain(bus, chain)).positions.filter((p) => p.account === account(trader));

  beforeAll(async () => {
    [nats, lab] = await Promise.all([startNats(), startEvmLab({ chain: "evm-confirm" })]);
    bus = await connectBus({ url: nats.url, name: "evm-confirmations-test" });
  });

  afterAll(async () => {
    await Promise.all(watchers.map((w) => w.kill()));
    await bus?.close();
    await Promise.all([nats?.dispose(), lab?.stop()]);
  });

  it("default: a block fewer than `confirmations` below the head is not published; at that depth it is", async () => {
    const chain = "evm-confirm";
    const watcher = startWatcher(chain, chainFile(chain, { confirmations: 3 }));
    await watcher.waitFor(/"msg":"watcher started"/);
    const opened = await lab.open(0, "ETH-PERP", true, 2, 1000);
    const n = opened.blockNumber;
    // the watcher knows the head (its heartbeats say so) and has processed what is 3 deep: n − 3
    await eventually(
      async () => {
        const seen = (await readChain(bus, chain)).heartbeats.some((h) => h.headNumber >= n);
        return seen && (await processed(chain)) >= n - 3 ? true : undefined;
      },
      30_000,
      "head seen, block n − 3 processed",
    );
    await sleep(1_000); // ten polls with the head at n
    expect(await processed(chain)).toBe(n - 3);
    expect(await positionsOf(chain, 0)).toEqual([]);
    // two blocks on top: block n is 2 deep, still not enough
    await lab.node.mine(2);
    await eventually(async () => ((await processed(chain)) === n - 1 ? true : undefined), 30_000);
    await sleep(600);
    expect(await processed(chain)).toBe(n - 1);
    expect(await positionsOf(chain, 0)).toEqual([]);
    // the third: block n is 3 deep and goes out, once
    await lab.node.mine(1);
    const published = await eventually(async () => {
      const p = await positionsOf(chain, 0);
      return p.length > 0 ? p : undefined;
    }, 30_000);
    expect(published).toHaveLength(1);
    expect(published[0]!.coordinates).toMatchObject({ blockNumber: n, blockHash: opened.blockHash });
    expect(await processed(chain)).toBe(n);
    await watcher.stop();
  }, 90_000);

  it("behavior: a reorg while the watcher is down is retracted after its restart; the consumer's book is the new branch's", async () => {
    const chain = "evm-restart";
    const file = chainFile(chain, { confirmations: 0, startBlock: await lab.node.blockNumber() });
    const first = startWatcher(chain, file);
    await first.waitFor(/"msg":"watcher started"/);
    const snapshot = await lab.node.snapshot();
    await lab.open(2, "ETH-PERP", true, 5, 2000); // orphaned later
    const orphanTip = await lab.open(3, "ETH-PERP", true, 3, 900); // orphaned later
    await eventually(
      async () => ((await processed(chain)) >= orphanTip.blockNumber ? true : undefined),
      30_000,
    );
    expect(openPositions(await publishedEvents(bus, chain))).toEqual(
      [`${account(2)} ETH-PERP ${LONG} 5`, `${account(3)} ETH-PERP ${LONG} 3`].sort(),
    );
    await first.kill(); // down, with its checkpoint (and window) at the orphan tip

    // while it is down: the two blocks are replaced by a longer branch with another position
    await lab.node.revert(snapshot);
    await lab.open(4, "ETH-PERP", true, 1, 500);
    await lab.node.mine(3);
    const tip = await lab.node.blockNumber();
    const tipHash = (await lab.node.rpc<{ hash: string }>("eth_getBlockByNumber", ["latest", false])).hash;
    expect(tip).toBeGreaterThan(orphanTip.blockNumber);

    const second = startWatcher(chain, file);
    await second.waitFor(/"msg":"watcher started"/);
    await eventually(
      async () => {
        const cp = await checkpointOf(bus, chain);
        return cp && cp.blockNumber >= tip && cp.blockHash === tipHash ? cp : undefined;
      },
      30_000,
      "the restarted watcher at the new tip",
    );
    const events = await publishedEvents(bus, chain);
    const retracted = events.filter((e) => e.kind === "retraction").map((e) => e.value.retractedEventId);
    const orphaned = events
      .filter((e) => e.kind === "position" && [account(2), account(3)].includes(e.value.account))
      .map((e) => e.value.eventId);
    expect(retracted.sort()).toEqual(orphaned.sort());
    expect(duplicateIds(events)).toEqual([]);
    expect(openPositions(events)).toEqual([`${account(4)} ETH-PERP ${LONG} 1`]);
    await second.stop();
  }, 90_000);
});
