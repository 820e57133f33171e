import type { Logger } from "@breakwater/telemetry";
import type { ChainDriver } from "../chain-driver.js";
import type { WatcherConfig } from "../config.js";
import { EvmDriver } from "./evm/evm-driver.js";
import { SimDriver } from "./sim/sim-driver.js";
import { SolanaDriver } from "./solana/solana-driver.js";

/** The chain driver the configuration names. EVM (viem) and Solana drivers plug in here. */
export function createDriver(config: WatcherConfig, log: Logger): ChainDriver {
  switch (config.driver) {
    case "sim":
      return new SimDriver({
        scenario: config.scenario,
        chainId: config.chain,
        genesisMs: config.simGenesisMs,
      });
    case "evm":
      return new EvmDriver({ chainId: config.chain, config: config.evm, log });
    case "solana":
      return new SolanaDriver({ chainId: config.chain, config: config.solana, log });
  }
}
