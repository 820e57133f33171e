// The correlator as a library: its pure state and query rules, for tests, e2e and tools.

export type { ChainFreshnessView } from "./chain-freshness.js";
export { ChainFreshnessTracker } from "./chain-freshness.js";
export type { CorrelatorConfig } from "./config.js";
export {
  CORRELATOR_DEFAULTS,
  correlatorConfigSchema,
  DEFAULT_MAX_REVISIONS,
  loadCorrelatorConfig,
} from "./config.js";
export type { RunningCorrelator } from "./correlator.js";
export { startCorrelator } from "./correlator.js";
export type { ApplyOutcome, CorrelatorStateOptions } from "./correlator-state.js";
export { assessmentIdOf, CorrelatorState } from "./correlator-state.js";
export { filterOfRequest, parseExposureQuery } from "./exposure-query.js";
export type { ExposureSnapshotJson } from "./snapshot-json.js";
export { exposureSnapshotJson } from "./snapshot-json.js";
