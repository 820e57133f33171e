// Validated configuration: one schema per service, every problem reported at once.

export { fields } from "./fields.js";
export type { LoadOptions } from "./load.js";
export { ConfigError, loadConfig } from "./load.js";
export type { NatsSettings } from "./nats.js";
export { checkNatsSettings, NATS_ENV, natsConnectionOf, natsFields } from "./nats.js";
export type { Stop } from "./run.js";
export { EXIT_INVALID_CONFIG, runService } from "./run.js";
export { issueProblems, readYamlConfig } from "./yaml-file.js";
