// Test-only: a Solana cluster for the driver's tests. No Solana validator can run on these
// machines, so the cluster is the testkit's loopback JSON-RPC (the Solana RPC's request and
// response shapes, error codes and commitment levels) over a scripted ledger.
import { SolanaLedger, type SolanaRpcServer, startSolanaRpc } from "@breakwater/testkit";
import { DRIFT_PROGRAM } from "./adapters/drift-layout.js";
import { PYTH_RECEIVER_PROGRAM } from "./adapters/pyth-price-update.js";
import { type SolanaClusterConfig, solanaClusterSchema } from "./solana-config.js";
import {
  encodeDriftPerpMarket,
  encodeDriftSpotMarket,
  encodeDriftUser,
  encodePriceUpdateV2,
  feedIdOf,
  newAddress,
  type UserSpec,
} from "./solana-test-accounts.js";

export const SOL_FEED = feedIdOf("SOL/USD");
export const BTC_FEED = feedIdOf("BTC/USD");

export interface TestCluster {
  readonly ledger: SolanaLedger;
  readonly servers: SolanaRpcServer[];
  /** The cluster file for these endpoints, with `over` applied. */
  config(over?: Record<string, unknown>): SolanaClusterConfig;
  /** Posts a price update for a feed at the tip (its publish time = the tip's chain time). */
  postPrice(
    account: string,
    feedId: string,
    price: number,
    opts?: { conf?: number; ageSeconds?: number },
  ): Promise<void>;
  /** Writes Drift's USDC (0) and SOL (1) spot markets and its SOL-PERP (0) market at `solPrice`. */
  driftMarkets(solPrice: number): Promise<void>;
  /** Writes a Drift user account. */
  driftUser(account: string, spec: UserSpec): Promise<void>;
  stop(): Promise<void>;
}

const PERP_MARKET = "8UJgxaiQx5nTrdDgph5FiahMmzduuLTLf5WmsPegYA6W";
const USDC_MARKET = "6gMq3mRCKf8aP3ttTyYhuijVZ2LGi14oDsBbkgubfLB3";
const SOL_MARKET = "3x85u7SWkmmr7YQGYhtjARgxwegTLJgkSLRprfXod6rh";

/** A ledger served by `endpoints` test RPC servers. */
export async function startTestCluster(
  endpoints = 1,
  ledgerOptions: { slotMs?: number; wallClock?: boolean } = {},
  websocket = false,
): Promise<TestCluster> {
  const ledger = new SolanaLedger({ startSlot: 1_000, genesisMs: Date.now(), ...ledgerOptions });
  const servers = await Promise.all(
    Array.from({ length: endpoints }, () => startSolanaRpc(ledger, { kind: "none" }, { websocket })),
  );
  return {
    ledger,
    servers,
    config: (over = {}) =>
      solanaClusterSchema.parse({
        cluster: "localnet",
        rpc: servers.map((s, i) => ({ url: s.url, name: `rpc${i}`, timeoutMs: 1_000 })),
        pollMs: 30,
        adapters: [
          {
            kind: "pyth",
            feeds: { [SOL_FEED]: { asset: "SOL" }, [BTC_FEED]: { asset: "BTC" } },
            maxAgeSeconds: 60,
            maxAgeSlots: 120,
            maxConfidenceRatio: 0.02,
          },
        ],
        ...over,
      }),
    async postPrice(account, feedId, price, opts = {}) {
      const slot = ledger.slot("processed");
      const data = await encodePriceUpdateV2({
        feedId,
        price: BigInt(Math.round(price * 1e8)),
        conf: BigInt(Math.round((opts.conf ?? price / 1000) * 1e8)),
        exponent: -8,
        publishTime: Math.floor(ledger.timeMs(slot) / 1000) - (opts.ageSeconds ?? 0),
        postedSlot: slot,
      });
      ledger.write(account, PYTH_RECEIVER_PROGRAM, data);
    },
    async driftMarkets(solPrice) {
      const price = BigInt(Math.round(solPrice * 1e6));
      const perp = await encodeDriftPerpMarket({
        marketIndex: 0,
        name: "SOL-PERP",
        oraclePrice: price,
        marginRatioInitial: 1000,
        marginRatioMaintenance: 500,
      });
      ledger.write(PERP_MARKET, DRIFT_PROGRAM, perp);
      const interest = 10_000_000_000n; // 1.0
      const spot = (marketIndex: number, name: string, decimals: number, oraclePrice: bigint) =>
        encodeDriftSpotMarket({
          marketIndex,
          name,
          decimals,
          oraclePrice,
          cumulativeDepositInterest: interest,
          cumulativeBorrowInterest: interest,
          maintenanceAssetWeight: marketIndex === 0 ? 10_000 : 9_000,
          maintenanceLiabilityWeight: marketIndex === 0 ? 10_000 : 11_000,
        });
      ledger.write(USDC_MARKET, DRIFT_PROGRAM, await spot(0, "USDC", 6, 1_000_000n));
      ledger.write(SOL_MARKET, DRIFT_PROGRAM, await spot(1, "SOL", 9, price));
    },
    async driftUser(account, spec) {
      ledger.write(account, DRIFT_PROGRAM, await encodeDriftUser(spec));
    },
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

export { newAddress };
