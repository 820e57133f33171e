import { AaveV3Adapter } from "./adapters/aave-v3.js";
import type { LogAdapter } from "./adapters/adapter.js";
import { ChainlinkFeedAdapter } from "./adapters/chainlink-feed.js";
import { GmxV2Adapter } from "./adapters/gmx-v2.js";
import { MappedAdapter } from "./adapters/mapped.js";
import { PerpVenueAdapter } from "./adapters/perp-venue.js";
import { SequencerUptimeAdapter } from "./adapters/sequencer-uptime.js";
import type { EvmAdapterConfig } from "./evm-config.js";

/** The adapter a configuration entry names. */
export function createAdapter(cfg: EvmAdapterConfig): LogAdapter {
  switch (cfg.kind) {
    case "perp-venue":
      return new PerpVenueAdapter(cfg);
    case "chainlink":
      return new ChainlinkFeedAdapter(cfg);
    case "sequencer-uptime":
      return new SequencerUptimeAdapter(cfg);
    case "aave-v3":
      return new AaveV3Adapter(cfg);
    case "gmx-v2":
      return new GmxV2Adapter(cfg);
    case "mapped":
      return new MappedAdapter(cfg);
  }
}
