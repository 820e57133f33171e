import {
  checkNatsSettings,
  fields,
  loadConfig,
  NATS_ENV,
  type NatsSettings,
  natsFields,
} from "@breakwater/config";
import { z } from "zod";
import { type EvmChainConfig, loadEvmChainConfig } from "./drivers/evm/evm-config.js";
import { DEFAULT_SCENARIO_PATH, loadScenario, type Scenario } from "./drivers/sim/scenario.js";
import { loadSolanaClusterConfig, type SolanaClusterConfig } from "./drivers/solana/solana-config.js";
import { ScenarioError } from "./errors.js";

/** Environment variables the watcher reads, and the config key each sets. */
export const WATCHER_ENV = {
  BW_CHAIN: "chain",
  ...NATS_ENV,
  BW_HTTP_HOST: "httpHost",
  BW_HTTP_PORT: "httpPort",
  BW_LOG_LEVEL: "logLevel",
  BW_DRIVER: "driver",
  BW_SIM_SCENARIO: "simScenario",
  BW_SIM_GENESIS_MS: "simGenesisMs",
  BW_HEARTBEAT_MS: "heartbeatMs",
  BW_HEAD_STALE_MS: "headStaleMs",
  BW_HEAD_DOWN_MS: "headDownMs",
  BW_EVM_CONFIG: "evmConfig",
  BW_EVM_RPC_URLS: "evmRpcUrls",
  BW_EVM_WS_URLS: "evmWsUrls",
  BW_EVM_CONFIRMATIONS: "evmConfirmations",
  BW_SOLANA_CONFIG: "solanaConfig",
  BW_SOLANA_RPC_URLS: "solanaRpcUrls",
} as const;

const chainField = z.string({ error: "required: pass --chain or set BW_CHAIN" }).pipe(fields.id);
const driverField = z
  .enum(["sim", "evm", "solana"], { error: 'must be "sim", "evm" or "solana"' })
  .default("sim");

const urlList = z
  .string()
  .transform((v) =>
    v
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url("every entry must be a URL")).min(1));

/** Websocket URLs by position, one per RPC endpoint; an empty entry: that endpoint has none. */
const wsUrlList = z
  .string()
  .transform((v) => v.split(",").map((u) => u.trim()))
  .pipe(
    z.array(
      z.union([
        z.literal(""),
        z
          .url("every entry must be a URL")
          .refine((u) => /^wss?:\/\//.test(u), "must be a ws:// or wss:// URL"),
      ]),
    ),
  );

/** The fields the scenario check needs; it runs whenever these are valid, whatever else is wrong. */
const scenarioInputs = z.object({
  chain: chainField,
  driver: driverField,
  simScenario: z.string().optional(),
});

const settingsFields = z.object({
  chain: chainField,
  ...natsFields,
  httpHost: fields.host,
  httpPort: fields.port.default(9101),
  logLevel: fields.logLevel,
  driver: driverField,
  simScenario: z.string().min(1).optional(),
  simGenesisMs: z.coerce.number().int("must be an integer (Unix ms)").positive("must be positive").optional(),
  heartbeatMs: fields.durationMs.default(1_000),
  headStaleMs: fields.durationMs.default(5_000),
  headDownMs: fields.durationMs.default(30_000),
  evmConfig: z.string().min(1).optional(),
  evmRpcUrls: urlList.optional(),
  evmWsUrls: wsUrlList.optional(),
  evmConfirmations: z.coerce.number().int("must be an integer").min(0).optional(),
  solanaConfig: z.string().min(1).optional(),
  solanaRpcUrls: urlList.optional(),
});

export type WatcherSettings = z.output<typeof settingsFields>;

/** What the checks read from files: each file is read once, by the check that validates it. */
interface FilesRead {
  scenario?: Scenario | undefined;
  evm?: EvmChainConfig | undefined;
  solana?: SolanaClusterConfig | undefined;
}

/** The settings' schema; its checks keep the files they read in `read`. */
function settingsSchema(read: FilesRead) {
  return settingsFields
    .superRefine(checkNatsSettings)
    .superRefine((cfg, ctx) => {
      if (cfg.driver === "evm") read.evm = checkEvmChainFile(cfg, ctx);
      if (cfg.driver === "solana") read.solana = checkSolanaClusterFile(cfg, ctx);
    })
    .superRefine(
      (cfg, ctx) => {
        if (cfg.driver === "sim") read.scenario = checkScenario(cfg, ctx);
      },
      { when: (payload) => scenarioInputs.safeParse(payload.value).success },
    )
    .refine((cfg) => cfg.headDownMs > cfg.headStaleMs, {
      path: ["headDownMs"],
      message: "must be greater than BW_HEAD_STALE_MS",
    });
}

/** The EVM chain file, or undefined after adding its problems to `ctx`. */
function checkEvmChainFile(cfg: WatcherSettings, ctx: z.RefinementCtx): EvmChainConfig | undefined {
  if (!cfg.evmConfig) {
    ctx.addIssue({
      code: "custom",
      path: ["evmConfig"],
      message: "required with BW_DRIVER=evm: the chain's config file",
    });
    return undefined;
  }
  const loaded = loadEvmChainConfig(cfg.evmConfig);
  if (!loaded.ok) {
    for (const problem of loaded.problems)
      ctx.addIssue({ code: "custom", path: ["evmConfig"], message: problem });
    return undefined;
  }
  if (loaded.config.rpc.length === 0 && !cfg.evmRpcUrls)
    ctx.addIssue({
      code: "custom",
      path: ["evmRpcUrls"],
      message: "no RPC endpoint: set BW_EVM_RPC_URLS or `rpc` in the config file",
    });
  const endpoints = cfg.evmRpcUrls?.length ?? loaded.config.rpc.length;
  if (cfg.evmWsUrls && cfg.evmWsUrls.length > endpoints)
    ctx.addIssue({
      code: "custom",
      path: ["evmWsUrls"],
      message: `${cfg.evmWsUrls.length} websocket URLs for ${endpoints} RPC endpoints: one per endpoint, by position (empty for none)`,
    });
  return loaded.config;
}

/** The Solana cluster file, or undefined after adding its problems to `ctx`. */
function checkSolanaClusterFile(cfg: WatcherSettings, ctx: z.RefinementCtx): SolanaClusterConfig | undefined {
  if (!cfg.solanaConfig) {
    ctx.addIssue({
      code: "custom",
      path: ["solanaConfig"],
      message: "required with BW_DRIVER=solana: the cluster's config file",
    });
    return undefined;
  }
  const loaded = loadSolanaClusterConfig(cfg.solanaConfig);
  if (!loaded.ok) {
    for (const problem of loaded.problems)
      ctx.addIssue({ code: "custom", path: ["solanaConfig"], message: problem });
    return undefined;
  }
  if (loaded.config.rpc.length === 0 && !cfg.solanaRpcUrls)
    ctx.addIssue({
      code: "custom",
      path: ["solanaRpcUrls"],
      message: "no RPC endpoint: set BW_SOLANA_RPC_URLS or `rpc` in the config file",
    });
  return loaded.config;
}

/**
 * The scenario, or undefined after adding its problems to `ctx`. Runs on
 * `scenarioInputs` alone, so its problems are reported with the other fields'.
 */
function checkScenario(cfg: z.output<typeof scenarioInputs>, ctx: z.RefinementCtx): Scenario | undefined {
  let scenario: Scenario;
  try {
    scenario = loadScenario(cfg.simScenario ?? DEFAULT_SCENARIO_PATH);
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    const source = cfg.simScenario ?? "the default scenario";
    for (const problem of err.problems)
      ctx.addIssue({ code: "custom", path: ["simScenario"], message: `${source}: ${problem}` });
    return undefined;
  }
  if (!(cfg.chain in scenario.chains))
    ctx.addIssue({
      code: "custom",
      path: ["chain"],
      message: `unknown chain "${cfg.chain}": the scenario defines ${Object.keys(scenario.chains).join(", ")}`,
    });
  return scenario;
}

/** What every watcher has, whatever its driver. */
interface WatcherCommon extends NatsSettings {
  readonly chain: string;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly logLevel: WatcherSettings["logLevel"];
  readonly heartbeatMs: number;
  readonly headStaleMs: number;
  readonly headDownMs: number;
}

/** A watcher of a simulated chain. */
export interface SimWatcherConfig extends WatcherCommon {
  readonly driver: "sim";
  readonly scenario: Scenario;
  /** Genesis of the simulated chains (Unix ms); undefined = the scenario's own. */
  readonly simGenesisMs: number | undefined;
}

/** A watcher of an EVM chain. */
export interface EvmWatcherConfig extends WatcherCommon {
  readonly driver: "evm";
  /** The EVM chain file with env overrides applied. */
  readonly evm: EvmChainConfig;
}

/** A watcher of a Solana cluster. */
export interface SolanaWatcherConfig extends WatcherCommon {
  readonly driver: "solana";
  /** The cluster file with env overrides applied. */
  readonly solana: SolanaClusterConfig;
}

export type WatcherConfig = SimWatcherConfig | EvmWatcherConfig | SolanaWatcherConfig;

/** A file the checks read was not kept: a bug of this module, not of the configuration. */
class UnreadConfigFileError extends Error {
  constructor(what: string) {
    super(`the ${what} passed validation but was not kept`);
  }
}

/**
 * Loads and validates the watcher's configuration from the environment and
 * `--chain`; throws ConfigError naming every bad field (runService exits 2).
 * The driver's file (the scenario or the EVM chain file) is read once, by
 * the check that validates it.
 */
export function loadWatcherConfig(
  argv: readonly string[] = process.argv.slice(2),
  environment: NodeJS.ProcessEnv = process.env,
): WatcherConfig {
  const read: FilesRead = {};
  const settings = loadConfig(settingsSchema(read), {
    service: "watcher",
    env: WATCHER_ENV,
    flags: { chain: "chain" },
    argv,
    environment,
  });
  const common: WatcherCommon = {
    chain: settings.chain,
    natsUrl: settings.natsUrl,
    natsSeedFile: settings.natsSeedFile,
    natsTlsCaFile: settings.natsTlsCaFile,
    natsTlsCertFile: settings.natsTlsCertFile,
    natsTlsKeyFile: settings.natsTlsKeyFile,
    httpHost: settings.httpHost,
    httpPort: settings.httpPort,
    logLevel: settings.logLevel,
    heartbeatMs: settings.heartbeatMs,
    headStaleMs: settings.headStaleMs,
    headDownMs: settings.headDownMs,
  };
  switch (settings.driver) {
    case "sim":
      if (!read.scenario) throw new UnreadConfigFileError("scenario");
      return { ...common, driver: "sim", scenario: read.scenario, simGenesisMs: settings.simGenesisMs };
    case "evm":
      if (!read.evm) throw new UnreadConfigFileError("EVM chain file");
      return { ...common, driver: "evm", evm: withEnvOverrides(read.evm, settings) };
    case "solana":
      if (!read.solana) throw new UnreadConfigFileError("Solana cluster file");
      return {
        ...common,
        driver: "solana",
        solana: settings.solanaRpcUrls
          ? { ...read.solana, rpc: settings.solanaRpcUrls.map((url) => ({ url })) }
          : read.solana,
      };
  }
}

/** The chain file with the endpoints, their websockets and confirmations the environment sets instead. */
function withEnvOverrides(file: EvmChainConfig, settings: WatcherSettings): EvmChainConfig {
  const rpc = settings.evmRpcUrls ? settings.evmRpcUrls.map((url) => ({ url })) : file.rpc;
  const ws = settings.evmWsUrls;
  return {
    ...file,
    rpc: ws ? rpc.map((e, i) => (ws[i] ? { ...e, ws: ws[i] } : e)) : rpc,
    ...(settings.evmConfirmations === undefined ? {} : { confirmations: settings.evmConfirmations }),
  };
}
