// The watcher: one process per chain, a ChainDriver behind it, events onto the bus.

// The driver contract (the sim, EVM and Solana drivers implement it).
export type {
  BlockEvent,
  BlockEventKind,
  BlockRef,
  ChainDriver,
  ChainEventSink,
  Checkpoint,
  ResumeData,
} from "./chain-driver.js";
export type { ChainHealth, HealthThresholds } from "./chain-progress.js";
export { ChainProgress } from "./chain-progress.js";
// The runtime pieces a benchmark or an embedding needs.
export { CheckpointStore } from "./checkpoint-store.js";
export type { WatcherConfig } from "./config.js";
export { loadWatcherConfig } from "./config.js";
// The EVM driver (viem) and its venue and oracle adapters.
export type { AaveV3AdapterConfig, AccountState, ReserveParameters } from "./drivers/evm/adapters/aave-v3.js";
export { AaveV3Adapter, reserveParameters } from "./drivers/evm/adapters/aave-v3.js";
export { aaveV3PoolAbi, aTokenEventsAbi } from "./drivers/evm/adapters/aave-v3-abi.js";
export type {
  ContractReader,
  FeedFreshness,
  LogAdapter,
  LogContext,
  PriceDistrust,
} from "./drivers/evm/adapters/adapter.js";
export { LogDecodeError } from "./drivers/evm/adapters/adapter.js";
export { aggregatorEventsAbi, aggregatorV3Abi } from "./drivers/evm/adapters/chainlink-abi.js";
export type { ChainlinkFeedConfig } from "./drivers/evm/adapters/chainlink-feed.js";
export { ChainlinkFeedAdapter } from "./drivers/evm/adapters/chainlink-feed.js";
export type { EventMapping, FieldSource, MappedAdapterConfig } from "./drivers/evm/adapters/mapped.js";
export { MappedAdapter } from "./drivers/evm/adapters/mapped.js";
export type { PerpVenueAdapterConfig } from "./drivers/evm/adapters/perp-venue.js";
export { PerpVenueAdapter, perpVenueEventsAbi } from "./drivers/evm/adapters/perp-venue.js";
export { SequencerGate, SequencerUptimeAdapter } from "./drivers/evm/adapters/sequencer-uptime.js";
export type { EvmAdapterConfig, EvmChainConfig } from "./drivers/evm/evm-config.js";
export { evmChainSchema, loadEvmChainConfig } from "./drivers/evm/evm-config.js";
export type { EvmDriverOptions } from "./drivers/evm/evm-driver.js";
export { EvmDriver } from "./drivers/evm/evm-driver.js";
export type { RpcEndpointConfig } from "./drivers/evm/rpc-pool.js";
export { RpcPool } from "./drivers/evm/rpc-pool.js";
// The simulated chain, for tests and demos that need to know what it will do.
export { MarketPricePath } from "./drivers/sim/price-path.js";
export type {
  Scenario,
  ScenarioChain,
  ScenarioFault,
  ScenarioShock,
  ScenarioVenue,
} from "./drivers/sim/scenario.js";
export {
  DEFAULT_SCENARIO_PATH,
  loadScenario,
  parseScenario,
  scenarioFingerprint,
} from "./drivers/sim/scenario.js";
export type { SimBlock } from "./drivers/sim/sim-chain.js";
export { SimChain, simBlockHash } from "./drivers/sim/sim-chain.js";
export { SimDriver } from "./drivers/sim/sim-driver.js";
export { SimTimeline } from "./drivers/sim/timeline.js";
// The Solana driver (web3.js 1.x) and its account adapters.
export type {
  AccountAdapter,
  AccountContext,
  AccountQuery,
} from "./drivers/solana/adapters/account-adapter.js";
export { AccountDecodeError } from "./drivers/solana/adapters/account-adapter.js";
export { DriftVenueAdapter } from "./drivers/solana/adapters/drift-venue.js";
export { FixedLayoutAdapter } from "./drivers/solana/adapters/fixed-layout.js";
export { decodePriceUpdateV2, PythPriceUpdateAdapter } from "./drivers/solana/adapters/pyth-price-update.js";
export type { SolanaAdapterConfig, SolanaClusterConfig } from "./drivers/solana/solana-config.js";
export { loadSolanaClusterConfig, solanaClusterSchema } from "./drivers/solana/solana-config.js";
export type { SolanaDriverOptions } from "./drivers/solana/solana-driver.js";
export { SolanaDriver } from "./drivers/solana/solana-driver.js";
export { CheckpointMismatchError, CorruptCheckpointError, ScenarioError } from "./errors.js";
export { BusEventSink } from "./event-sink.js";
export type { RunningWatcher } from "./watcher.js";
export { startWatcher } from "./watcher.js";
