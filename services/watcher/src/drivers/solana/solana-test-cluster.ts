// Test-only: a Solana cluster for the driver's tests. No Solana validator can run on these
// machines, so the cluster is the testkit's loopback JSON-RPC (the Solana RPC's request and
// response shapes, error codes and commitment levels) over a scripted ledger.
import { SolanaLedger, type SolanaRpcServer, startSolanaRpc } from "@breakwater/testkit";
import { PYTH_RECEIVER_PROGRAM } from "./adapters/pyth-price-update.js";
import { type SolanaClusterConfig, solanaClusterSchema } from "./solana-config.js";
import { encodePriceUpdateV2, feedIdOf, newAddress } from "./solana-test-accounts.js";

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
  stop(): Promise<void>;
}

/** A ledger served by `endpoints` test RPC servers. */
export async function startTestCluster(
  endpoints = 1,
  ledgerOptions: { slotMs?: number; wallClock?: boolean } = {},
): Promise<TestCluster> {
  const ledger = new SolanaLedger({ startSlot: 1_000, genesisMs: Date.now(), ...ledgerOptions });
  const servers = await Promise.all(Array.from({ length: endpoints }, () => startSolanaRpc(ledger)));
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
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

export { newAddress };
