import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, connectBus } from "@breakwater/bus";
import { type ChainHeartbeat, ChainStatus } from "@breakwater/proto";
import {
  eventually,
  type NatsServer,
  type ServiceProcess,
  startNats,
  startService,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readChain } from "./test-helpers.js";

/** Blocks every 100 ms; the chain halts from +6 s to +10 s (blocks 0..59, then block 60 at +10 s). */
const scenario = {
  seed: 3,
  blockTimeMs: 100,
  assets: { SOL: 150 },
  chains: { "sim-s": { venues: [{ id: "perp-s", kind: "perp", markets: ["SOL-PERP"] }], accounts: 5 } },
  faults: [{ atMs: 6_000, kind: "stall", forMs: 4_000 }],
};
const LAST_BLOCK_BEFORE_STALL = 59;

describe("watcher of a chain that stalls", () => {
  let nats: NatsServer;
  let bus: Bus;
  let watcher: ServiceProcess;

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "watcher-stall-test" });
  });

  afterAll(async () => {
    await watcher?.kill();
    await bus?.close();
    await nats?.dispose();
  });

  const heartbeats = async (): Promise<ChainHeartbeat[]> => (await readChain(bus, "sim-s")).heartbeats;

  it("behavior: a stalled head is reported stale in heartbeats and readiness, and recovers", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "bw-watcher-stall-")), "scenario.yaml");
    writeFileSync(file, JSON.stringify(scenario)); // JSON is YAML too
    watcher = startService("services/watcher/src/main.ts", ["--chain", "sim-s"], {
      BW_NATS_URL: nats.url,
      BW_HTTP_PORT: "0",
      BW_SIM_SCENARIO: file,
      BW_SIM_GENESIS_MS: String(Date.now()),
      BW_HEARTBEAT_MS: "200",
      BW_HEAD_STALE_MS: "600",
      BW_HEAD_DOWN_MS: "2000",
    });
    const started = JSON.parse(await watcher.waitFor(/"msg":"watcher started"/)) as { http: string };
    const readyz = async () => {
      const res = await fetch(`${started.http}/readyz`);
      return { status: res.status, body: (await res.json()) as { reason?: string } };
    };
    // no wait for readiness first: a slow start that begins during the stall still sees it
    const stale = await eventually(
      async () => {
        const r = await readyz();
        return r.status === 503 && r.body.reason?.startsWith("head is stale") ? r : undefined;
      },
      12_000,
      "not ready during the stall",
    );
    expect(stale.body.reason).toMatch(/^head is stale: no new block for \d+\.\ds$/);

    const down = await eventually(
      async () => (await heartbeats()).find((h) => h.status === ChainStatus.CHAIN_STATUS_DOWN),
      10_000,
      "a heartbeat reporting the chain down",
    );
    expect(down.headNumber).toBe(LAST_BLOCK_BEFORE_STALL);
    expect(down.detail).toMatch(/^no new block for \d+\.\ds \(head 59\)$/);
    const during = (await heartbeats()).filter(
      (h) => h.status !== ChainStatus.CHAIN_STATUS_HEALTHY && h.headNumber > 0,
    );
    expect(during.some((h) => h.status === ChainStatus.CHAIN_STATUS_DEGRADED)).toBe(true);

    await eventually(async () => ((await readyz()).status === 200 ? true : undefined), 10_000, "ready again");
    const recovered = await eventually(async () =>
      (await heartbeats()).find((h) => h.status === ChainStatus.CHAIN_STATUS_HEALTHY && h.headNumber > 60),
    );
    expect(recovered.processedNumber).toBeGreaterThan(LAST_BLOCK_BEFORE_STALL);
  });
});
