import type { AccountAdapter } from "./adapters/account-adapter.js";
import { DriftVenueAdapter } from "./adapters/drift-venue.js";
import { FixedLayoutAdapter } from "./adapters/fixed-layout.js";
import { PythPriceUpdateAdapter } from "./adapters/pyth-price-update.js";
import type { SolanaAdapterConfig } from "./solana-config.js";

/** The account adapter a cluster file's entry describes. */
export function createAccountAdapter(cfg: SolanaAdapterConfig): AccountAdapter {
  switch (cfg.kind) {
    case "pyth":
      return new PythPriceUpdateAdapter(cfg);
    case "drift":
      return new DriftVenueAdapter(cfg);
    case "fixed-layout":
      return new FixedLayoutAdapter(cfg);
  }
}
