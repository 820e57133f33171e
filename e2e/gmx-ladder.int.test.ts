// GMX v2 positions from a local chain into the correlator's ladder, as real
// processes: a Hardhat node with a GMX v2-shaped EventEmitter emitting
// EventLog1 logs in GMX's EventLogData layout, the EVM watcher, NATS and the
// correlator.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  deployGmxEmitter,
  type EvmLab,
  eventually,
  freePort,
  type GmxLab,
  type NatsServer,
  type ServiceProcess,
  sharedTestPki,
  startEvmLab,
  startNats,
  startService,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHAIN = "evm-gmx";

interface Rung {
  moveBps: number;
  positions: number;
  size: number;
}
interface Ladder {
  asset: string;
  price: number;
  rungs: Rung[];
}

describe("GMX v2 positions into the correlator's ladder (real processes)", () => {
  let dir: string;
  let nats: NatsServer;
  let lab: EvmLab;
  let gmx: GmxLab;
  let watcher: ServiceProcess;
  let correlator: ServiceProcess;
  let http: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "bw-gmx-"));
    nats = await startNats({ storeDir: join(dir, "nats") });
    lab = await startEvmLab({ chain: CHAIN, prices: { ETH: 3000 } });
    gmx = await deployGmxEmitter(
      lab,
      [{ asset: "ETH", indexDecimals: 18 }],
      [{ symbol: "USDC", decimals: 6 }],
    );
    const chainFile = join(dir, "chain.json");
    const config = lab.chainConfig();
    writeFileSync(
      chainFile,
      JSON.stringify({
        ...config,
        adapters: [...(config["adapters"] as unknown[]), gmx.adapterConfig("gmx-lab")],
      }),
    );
    const common = { BW_NATS_URL: nats.url, BW_HTTP_HOST: "127.0.0.1", BW_LOG_LEVEL: "info" };
    const port = await freePort();
    http = `http://127.0.0.1:${port}`;
    correlator = startService("services/correlator/src/main.ts", [], {
      ...common,
      ...(await sharedTestPki()).serverTlsEnv(),
      BW_HTTP_PORT: String(port),
      BW_GRPC_HOST: "127.0.0.1",
      BW_GRPC_PORT: String(await freePort()),
      BW_LADDER_MAX_AGE_MS: "0",
    });
    watcher = startService("services/watcher/src/main.ts", ["--chain", CHAIN], {
      ...common,
      BW_DRIVER: "evm",
      BW_EVM_CONFIG: chainFile,
      BW_HTTP_PORT: String(await freePort()),
    });
    await correlator.waitFor(/correlator started/, 60_000);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([watcher?.stop(5_000), correlator?.stop(5_000)]);
    await lab?.stop();
    await nats?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const ladder = async (asset: string): Promise<Ladder | undefined> => {
    const res = await fetch(`${http}/v1/ladder?asset=${asset}&stepBps=50&rangeBps=9500`);
    if (res.status !== 200) return undefined;
    const body = (await res.json()) as { ladders: Ladder[] };
    return body.ladders[0];
  };
  /** The rungs holding positions, as [moveBps, positions, size to 6 places]. */
  const occupied = (l: Ladder) =>
    l.rungs
      .filter((r) => r.positions > 0)
      .map((r) => [r.moveBps, r.positions, Math.round(r.size * 1e6) / 1e6]);

  it("default: each position sits on the rung of its solved liquidation price; adding collateral moves it", async () => {
    const long = { market: "ETH", collateral: "USDC", isLong: true, indexPrice: 3000, collateralPrice: 1 };
    const short = { ...long, isLong: false };
    // trader 0: 10x long, 10 ETH on 3,000 USDC: (30,000 · 1.01 − 3,000) / 10 = 2,730, −9% exactly: rung −900
    await gmx.increase(0, { ...long, sizeUsd: 30_000, sizeInTokens: 10, collateralAmount: 3_000 });
    // trader 1: 5x short, 10 ETH on 6,000 USDC: (30,000 · 0.99 + 6,000) / 10 = 3,570, +19%: rung +1,900
    await gmx.increase(1, { ...short, sizeUsd: 30_000, sizeInTokens: 10, collateralAmount: 6_000 });
    const eth = await eventually(
      async () => {
        const l = await ladder("ETH");
        return l && occupied(l).length === 2 ? l : undefined;
      },
      60_000,
      "both GMX positions on the ladder",
    );
    expect(eth.price).toBe(3000);
    expect(occupied(eth)).toEqual([
      [-900, 1, 10],
      [1900, 1, 10],
    ]);
    // trader 0 adds 3,000 USDC: (30,300 − 6,000) / 10 = 2,430, −19%: rung −1,900
    await gmx.increase(0, { ...long, sizeUsd: 30_000, sizeInTokens: 10, collateralAmount: 6_000 });
    const moved = await eventually(
      async () => {
        const l = await ladder("ETH");
        return l?.rungs.find((r) => r.moveBps === -1900 && r.positions === 1) ? l : undefined;
      },
      60_000,
      "the long's rung follows the added collateral",
    );
    expect(occupied(moved)).toEqual([
      [-1900, 1, 10],
      [1900, 1, 10],
    ]);
  }, 180_000);
});
