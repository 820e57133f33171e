// A simulated Solana cluster for the demo and whole-system tests: no Solana validator runs on
// these machines, so the testkit's loopback Solana JSON-RPC (and its websocket side) serves a
// ledger whose slots advance on the wall clock, holding Drift-layout accounts (ETH-PERP, USDC)
// and a Pyth PriceUpdateV2 feed for ETH, encoded by anchor with the venues' published IDLs.
import { writeFileSync } from "node:fs";
import {
  type SlotClock,
  SolanaLedger,
  type SolanaRpcServer,
  startSlotClock,
  startSolanaRpc,
} from "@breakwater/testkit";
import { DRIFT_PROGRAM } from "../services/watcher/src/drivers/solana/adapters/drift-layout.js";
import { PYTH_RECEIVER_PROGRAM } from "../services/watcher/src/drivers/solana/adapters/pyth-price-update.js";
import {
  encodeDriftPerpMarket,
  encodeDriftSpotMarket,
  encodeDriftUser,
  encodePriceUpdateV2,
  newAddress,
} from "../services/watcher/src/drivers/solana/solana-test-accounts.js";

/** Pyth's ETH/USD feed id. */
const ETH_FEED = "ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace";
const SLOT_MS = 400;
/** The price feed is pushed again this often (a Pyth pusher), so it never looks stale. */
const PUSH_EVERY_SLOTS = 5;

export interface SolanaCluster {
  readonly rpcUrl: string;
  /** Drift users' authorities (owner keys), trader 0 first. */
  readonly owners: readonly string[];
  /** Writes the watcher's cluster file. */
  writeClusterFile(path: string): void;
  /** Moves ETH on the Pyth feed and Drift's ETH-PERP oracle price. */
  setPrice(price: number): Promise<void>;
  /** ETH falls by `move` in `steps` prices, `stepMs` apart. */
  crash(opts: { move: number; steps: number; stepMs: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function startSolanaCluster(opts: {
  traders: number;
  ethPrice: number;
}): Promise<SolanaCluster> {
  const ledger = new SolanaLedger({
    startSlot: 300_000_000,
    genesisMs: Date.now(),
    slotMs: SLOT_MS,
    wallClock: true,
  });
  const rpc: SolanaRpcServer = await startSolanaRpc(ledger, { kind: "none" }, { websocket: true });
  const feed = newAddress();
  const perpMarket = newAddress();
  let price = opts.ethPrice;
  const writes: Promise<void>[] = [];

  const writePrice = async () => {
    const slot = ledger.slot("processed");
    ledger.write(
      feed,
      PYTH_RECEIVER_PROGRAM,
      await encodePriceUpdateV2({
        feedId: ETH_FEED,
        price: BigInt(Math.round(price * 1e8)),
        conf: BigInt(Math.round(price * 1e5)), // 0.1%
        exponent: -8,
        publishTime: Math.floor(ledger.timeMs(slot) / 1000),
        postedSlot: slot,
      }),
    );
    ledger.write(
      perpMarket,
      DRIFT_PROGRAM,
      await encodeDriftPerpMarket({
        marketIndex: 0,
        name: "ETH-PERP",
        oraclePrice: BigInt(Math.round(price * 1e6)),
        marginRatioInitial: 1000,
        marginRatioMaintenance: 500,
      }),
    );
  };

  await writePrice();
  ledger.write(
    newAddress(),
    DRIFT_PROGRAM,
    await encodeDriftSpotMarket({
      marketIndex: 0,
      name: "USDC",
      decimals: 6,
      oraclePrice: 1_000_000n,
      cumulativeDepositInterest: 10_000_000_000n,
      cumulativeBorrowInterest: 10_000_000_000n,
      maintenanceAssetWeight: 10_000,
      maintenanceLiabilityWeight: 10_000,
    }),
  );
  const owners: string[] = [];
  for (let t = 0; t < opts.traders; t++) {
    const owner = newAddress();
    owners.push(owner);
    const notional = 5_000 + ((t * 7_919) % 45_000);
    const leverage = 2 + ((t * 13) % 9);
    const base = BigInt(Math.round((notional / price) * 1e9)) * (t % 2 === 0 ? 1n : -1n);
    const quote = BigInt(Math.round(-Number(base) * price * 1e-3));
    ledger.write(
      newAddress(),
      DRIFT_PROGRAM,
      await encodeDriftUser({
        authority: owner,
        perps: [{ marketIndex: 0, base, quote, quoteEntry: quote, quoteBreakEven: quote }],
        spots: [{ marketIndex: 0, scaledBalance: BigInt(Math.round((notional / leverage) * 1e9)) }],
      }),
    );
  }
  const clock: SlotClock = startSlotClock(ledger, SLOT_MS, (slot) => {
    if (slot % PUSH_EVERY_SLOTS === 0) writes.push(writePrice().catch(() => undefined));
    if (writes.length > 64) writes.splice(0, 32);
  });

  return {
    rpcUrl: rpc.url,
    owners,
    writeClusterFile(path) {
      writeFileSync(
        path,
        JSON.stringify({
          cluster: "demo-localnet",
          commitment: "confirmed",
          rpc: [{ url: rpc.url, name: "local" }],
          subscribe: true,
          pollMs: 1_000,
          adapters: [
            {
              kind: "pyth",
              feeds: { [ETH_FEED]: { asset: "ETH" } },
              maxAgeSeconds: 60,
              maxConfidenceRatio: 0.02,
            },
            { kind: "drift", venueId: "drift" },
          ],
        }),
      );
    },
    async setPrice(next) {
      price = next;
      await writePrice();
    },
    async crash({ move, steps, stepMs }) {
      const from = price;
      for (let s = 1; s <= steps; s++) {
        price = from * (1 + (move * s) / steps);
        await writePrice();
        await new Promise((r) => setTimeout(r, stepMs));
      }
    },
    async stop() {
      clock.stop();
      await Promise.all(writes);
      await rpc.stop();
    },
  };
}
