// The watcher: one process per chain, a ChainDriver behind it, events onto the bus.

// The driver contract (sim now; EVM and Solana drivers implement the same interface).
export type {
  BlockRef,
  ChainDriver,
  ChainEvent,
  ChainEventKind,
  ChainEventSink,
  Checkpoint,
  ResumeData,
} from "./chain-driver.js";
export type { ChainHealth, HealthThresholds } from "./chain-progress.js";
export { ChainProgress } from "./chain-progress.js";
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
export { CheckpointMismatchError, CorruptCheckpointError, ScenarioError } from "./errors.js";
