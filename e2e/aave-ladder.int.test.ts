// Aave v3 accounts from a local chain into the correlator's ladder, as real
// processes: a Hardhat node with an Aave-shaped pool emitting the real Pool
// and aToken events, the EVM watcher, NATS and the correlator.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AaveLab,
  deployAavePool,
  type EvmLab,
  eventually,
  freePort,
  type NatsServer,
  type ServiceProcess,
  sharedTestPki,
  startEvmLab,
  startNats,
  startService,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHAIN = "evm-aave";

interface Rung {
  moveBps: number;
  positions: number;
  size: number;
}
interface Ladder {
  asset: string;
  price: number;
  rungs: Rung[];
  beyondRangePositions: number;
  withoutLiquidationPrice: number;
}

describe("Aave v3 accounts into the correlator's ladder (real processes)", () => {
  let dir: string;
  let nats: NatsServer;
  let lab: EvmLab;
  let aave: AaveLab;
  let watcher: ServiceProcess;
  let correlator: ServiceProcess;
  let http: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "bw-aave-"));
    nats = await startNats({ storeDir: join(dir, "nats") });
    lab = await startEvmLab({ chain: CHAIN, prices: { ETH: 3000, USDC: 1, DAI: 1 } });
    aave = await deployAavePool(lab, [
      { asset: "ETH", decimals: 18, liquidationThresholdBps: 8250, liquidationBonusBps: 10500 },
      { asset: "USDC", decimals: 6, liquidationThresholdBps: 7800, liquidationBonusBps: 10450 },
      { asset: "DAI", decimals: 18, liquidationThresholdBps: 7700, liquidationBonusBps: 10400 },
    ]);
    const chainFile = join(dir, "chain.json");
    const config = lab.chainConfig();
    writeFileSync(
      chainFile,
      JSON.stringify({
        ...config,
        adapters: [...(config["adapters"] as unknown[]), aave.adapterConfig("aave-lab")],
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

  it("default: each leg sits on the rung of its own liquidation price with what a liquidation there takes; a Repay moves it", async () => {
    // A (trader 0): 10 ETH and 10,000 USDC as collateral, 20,000 DAI owed
    await aave.supply(0, "ETH", 10);
    await aave.supply(0, "USDC", 10_000);
    await aave.borrow(0, "DAI", 20_000);
    // B (trader 1): 50,000 USDC against 10 ETH owed
    await aave.supply(1, "USDC", 50_000);
    await aave.borrow(1, "ETH", 10);

    // ETH at 3,000, rungs of 50 bps: A's ETH liquidates at (20,000 − 7,800) / 8.25 = 1,478.79, a move of
    // 1,478.79 / 3,000 − 1 = −50.71%, first reached by the −5,100 bps rung, where a liquidation seizes 50% of
    // the 20,000 debt plus the 5% bonus: 10,500 / 1,478.79 = 7.100410 of its 10 ETH; B's ETH debt at
    // 39,000 / 10 = 3,900, +30% exactly, the +3,000 bps rung, where half of its 10 ETH is repaid
    const eth = await eventually(
      async () => {
        const l = await ladder("ETH");
        return l && occupied(l).length === 2 ? l : undefined;
      },
      60_000,
      "both ETH legs on the ladder",
    );
    expect(eth.price).toBe(3000);
    expect(occupied(eth)).toEqual([
      [-5100, 1, 7.10041],
      [3000, 1, 5],
    ]);
    // USDC: A's leg has no liquidation price (ETH alone covers A's debt); B's falls to 30,000 / 39,000 =
    // 0.76923, −23.08%, the −2,350 bps rung, seizing 15,000 · 1.045 / 0.76923 = 20,377.5 of its 50,000
    const usdc = await eventually(() => ladder("USDC"), 30_000, "a USDC ladder");
    expect(occupied(usdc)).toEqual([[-2350, 1, 20_377.5]]);
    expect(usdc.withoutLiquidationPrice).toBe(1);
    // DAI: A's debt rises to 32,550 / 20,000 = 1.6275, +62.75%: the +6,300 bps rung, 10,000 of it repaid
    const dai = await eventually(() => ladder("DAI"), 30_000, "a DAI ladder");
    expect(occupied(dai)).toEqual([[6300, 1, 10_000]]);

    // A repays 5,000 DAI: ETH now liquidates at (15,000 − 7,800) / 8.25 = 872.73, −70.91%: rung −7,100,
    // seizing 7,500 · 1.05 / 872.73 = 9.023438 ETH
    await aave.repay(0, "DAI", 5_000);
    const moved = await eventually(
      async () => {
        const l = await ladder("ETH");
        return l?.rungs.find((r) => r.moveBps === -7100 && r.positions === 1) ? l : undefined;
      },
      60_000,
      "the collateral's rung follows the repay",
    );
    expect(occupied(moved)).toEqual([
      [-7100, 1, 9.023438],
      [3000, 1, 5],
    ]);
  }, 180_000);
});
