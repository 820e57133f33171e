import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, buckets, connectBus } from "@breakwater/bus";
import { ChainStatus } from "@breakwater/proto";
import {
  eventually,
  type NatsServer,
  type ServiceProcess,
  startNats,
  startService,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simBlockHash } from "./drivers/sim/sim-chain.js";
import { checkpointOf, coverageProblems, readChain, startedLine, WATCHER_ENTRY } from "./test-helpers.js";

/** A fast scenario: a block every 100 ms, an oracle tick per asset in every block. */
const scenario = {
  seed: 7,
  blockTimeMs: 100,
  assets: { ETH: 3000, BTC: 60000 },
  chains: {
    "sim-a": {
      venues: [
        { id: "perp-a", kind: "perp", markets: ["ETH-PERP", "BTC-PERP"] },
        { id: "lend-a", kind: "lending", assets: ["ETH"] },
      ],
      accounts: 10,
    },
  },
  oracle: { everyBlocks: 1, noiseBps: 5 },
  shocks: [{ asset: "ETH", atMs: 2000, move: -0.08, overMs: 1000 }],
};

describe("watcher process against a real nats-server", () => {
  let nats: NatsServer;
  let bus: Bus;
  let scenarioFile: string;
  const running: ServiceProcess[] = [];

  const start = (chain: string, env: Record<string, string> = {}) => {
    const watcher = startService(WATCHER_ENTRY, ["--chain", chain], {
      BW_NATS_URL: nats.url,
      BW_HTTP_PORT: "0",
      BW_SIM_SCENARIO: scenarioFile,
      BW_HEARTBEAT_MS: "200",
      ...env,
    });
    running.push(watcher);
    return watcher;
  };
  const processed = async () => (await checkpointOf(bus, "sim-a"))?.blockNumber ?? -1;

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "watcher-test" });
    scenarioFile = join(mkdtempSync(join(tmpdir(), "bw-watcher-")), "scenario.json");
    writeFileSync(scenarioFile, JSON.stringify(scenario));
  });

  afterAll(async () => {
    await Promise.all(running.map((w) => w.kill()));
    await bus?.close();
    await nats?.dispose();
  });

  it("publishes positions, prices and heartbeats; a SIGKILL and a restart leave no gap and no duplicate", async () => {
    const genesis = String(Date.now());
    // Staleness is not what this test is about (stall.int.test.ts is): a loaded
    // machine that falls a few seconds behind the 100 ms blocks must not read as stale.
    const watcher = start("sim-a", {
      BW_SIM_GENESIS_MS: genesis,
      BW_HEAD_STALE_MS: "20000",
      BW_HEAD_DOWN_MS: "40000",
    });
    const { http, chain } = await startedLine(watcher);
    expect(chain).toBe("sim-a");
    expect(http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${http}/healthz`)).status).toBe(200);
    await eventually(async () => ((await fetch(`${http}/readyz`)).status === 200 ? true : undefined));

    const first = await eventually(async () => {
      const l = await readChain(bus, "sim-a");
      return l.positions.length >= 40 && l.prices.length > 10 && l.heartbeats.length >= 2 ? l : undefined;
    });
    expect(first.prices[0]).toMatchObject({ chainId: "sim-a", source: "sim-oracle:sim-a" });
    expect(first.positions[0]).toMatchObject({
      chainId: "sim-a",
      venueId: "perp-a",
      collateralAsset: "USDC",
    });
    expect(first.heartbeats.at(-1)).toMatchObject({
      chainId: "sim-a",
      status: ChainStatus.CHAIN_STATUS_HEALTHY,
    });
    expect(first.heartbeats.at(-1)!.headNumber).toBeGreaterThan(0);

    const metrics = await (await fetch(`${http}/metrics`)).text();
    for (const pattern of [
      /^bw_watcher_head_block\{chain="sim-a"\} \d+/m,
      /^bw_watcher_processed_block\{chain="sim-a"\} \d+/m,
      /^bw_watcher_events_published_total\{chain="sim-a",kind="position"\} \d+/m,
      /^bw_watcher_events_published_total\{chain="sim-a",kind="price"\} \d+/m,
      /^bw_watcher_events_published_total\{chain="sim-a",kind="heartbeat"\} \d+/m,
      /^bw_watcher_heartbeat_age_seconds\{chain="sim-a"\} [\d.e-]+$/m,
      /^bw_watcher_head_age_seconds\{chain="sim-a"\} [\d.e-]+$/m,
      /^# TYPE bw_watcher_publish_duplicates_total counter$/m,
      /^# TYPE bw_watcher_errors_total counter$/m,
    ])
      expect(metrics).toMatch(pattern);

    // a crash: no chance to finish the block or to checkpoint it
    await eventually(async () => ((await processed()) >= 15 ? true : undefined));
    await watcher.kill();
    const killedAt = Date.now();
    const before = (await checkpointOf(bus, "sim-a"))!;

    const restarted = start("sim-a", { BW_SIM_GENESIS_MS: genesis });
    expect((await startedLine(restarted)).resumeFrom).toBe(before.blockNumber);
    await eventually(async () => ((await processed()) >= before.blockNumber + 20 ? true : undefined));
    await eventually(async () =>
      (await readChain(bus, "sim-a")).heartbeats.some((h) => h.observedAtMs > killedAt) ? true : undefined,
    );
    // a graceful stop finishes the block in hand and checkpoints it
    await restarted.stop();
    expect(await restarted.exited()).toBe(0);
    const after = (await checkpointOf(bus, "sim-a"))!;
    expect(after.resume["genesisMs"]).toBe(Number(genesis));

    const log = await readChain(bus, "sim-a");
    const lastBlock = Math.max(...log.prices.map((p) => p.coordinates!.blockNumber));
    expect(lastBlock).toBe(after.blockNumber);
    expect(coverageProblems(log, lastBlock, 2)).toEqual([]);
    const afterRestart = log.heartbeats.filter((h) => h.observedAtMs > killedAt);
    for (const h of afterRestart) expect(h.processedNumber).toBeGreaterThanOrEqual(before.blockNumber);
  });

  it("behavior: blocks published but not checkpointed before a crash are republished and deduplicated", async () => {
    const last = (await checkpointOf(bus, "sim-a"))!;
    // as if the watcher had crashed after publishing ten more blocks than it checkpointed
    const rewound = last.blockNumber - 10;
    const genesisMs = last.resume["genesisMs"] as number;
    const kv = await bus.kvm.open(buckets.checkpoints);
    await kv.put(
      "sim-a",
      JSON.stringify({
        ...last,
        blockNumber: rewound,
        blockHash: simBlockHash(scenario.seed, "sim-a", rewound),
        blockTimeMs: genesisMs + rewound * scenario.blockTimeMs,
      }),
    );
    const watcher = start("sim-a");
    const { http, resumeFrom } = await startedLine(watcher);
    expect(resumeFrom).toBe(rewound);
    await eventually(async () => ((await processed()) >= last.blockNumber + 5 ? true : undefined));
    const metrics = await (await fetch(`${http}/metrics`)).text();
    const duplicates = Number(
      /^bw_watcher_publish_duplicates_total\{chain="sim-a",kind="price"\} (\d+)/m.exec(metrics)?.[1],
    );
    expect(duplicates).toBe(10 * 2);
    await watcher.stop();

    const log = await readChain(bus, "sim-a");
    const lastBlock = (await checkpointOf(bus, "sim-a"))!.blockNumber;
    expect(coverageProblems(log, lastBlock, 2)).toEqual([]);
  });

  it("behavior: an invalid configuration exits 2 and names every bad field", async () => {
    const badPortAndChain = start("sim-nope", { BW_HTTP_PORT: "abc" });
    const badDriver = start("sim-a", { BW_DRIVER: "cosmos", BW_HEARTBEAT_MS: "soon" });
    expect(await badPortAndChain.exited()).toBe(2);
    expect(await badDriver.exited()).toBe(2);
    expect(badPortAndChain.output()).toMatch(/invalid watcher configuration/);
    expect(badPortAndChain.output()).toMatch(/httpPort \(env BW_HTTP_PORT\): /);
    expect(badPortAndChain.output()).toMatch(
      /chain \(env BW_CHAIN\): unknown chain "sim-nope": the scenario defines sim-a/,
    );
    expect(badDriver.output()).toMatch(/driver \(env BW_DRIVER\): must be "sim", "evm" or "solana"/);
    expect(badDriver.output()).toMatch(/heartbeatMs \(env BW_HEARTBEAT_MS\): /);
  });
});
