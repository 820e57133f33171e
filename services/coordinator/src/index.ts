// The coordinator: policy evaluation, the signal log, and the CoordinationService.

export type { CoordinatorConfig } from "./config.js";
export { breakerDefaultsOf, coordinatorConfigSchema, loadCoordinatorConfig } from "./config.js";
export type { RunningCoordinator } from "./coordinator.js";
export { startCoordinator } from "./coordinator.js";
export { AppendContendedError, LogInconsistencyError, LogLagError } from "./errors.js";
export { SignalLogFollower } from "./log-follower.js";
export type { PolicyParse } from "./policy-file.js";
export { parsePolicy } from "./policy-file.js";
export type { HoleReason, IndexListener } from "./signal-index.js";
export { SignalIndex } from "./signal-index.js";
export type { Appended, SignalLogOptions } from "./signal-log.js";
export { SignalLog } from "./signal-log.js";
