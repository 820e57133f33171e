import { fields, loadConfig } from "@breakwater/config";
import { z } from "zod";
import { type EvmChainConfig, loadEvmChainConfig } from "./drivers/evm/evm-config.js";
import { DEFAULT_SCENARIO_PATH, loadScenario, type Scenario } from "./drivers/sim/scenario.js";
import { ScenarioError } from "./errors.js";

/** Environment variables the watcher reads, and the config key each sets. */
export const WATCHER_ENV = {
  BW_CHAIN: "chain",
  BW_NATS_URL: "natsUrl",
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
  BW_EVM_CONFIRMATIONS: "evmConfirmations",
} as const;

const chainField = z.string({ error: "required: pass --chain or set BW_CHAIN" }).pipe(fields.id);
const driverField = z.enum(["sim", "evm"], { error: 'must be "sim" or "evm"' }).default("sim");

/** The fields the scenario check needs; it runs whenever these are valid, whatever else is wrong. */
const scenarioInputs = z.object({
  chain: chainField,
  driver: driverField,
  simScenario: z.string().optional(),
});

const schema = z
  .object({
    chain: chainField,
    natsUrl: fields.natsUrl,
    httpHost: fields.host,
    httpPort: fields.port.default(9101),
    logLevel: fields.logLevel,
    driver: driverField,
    simScenario: z.string().min(1).optional(),
    simGenesisMs: z.coerce
      .number()
      .int("must be an integer (Unix ms)")
      .positive("must be positive")
      .optional(),
    heartbeatMs: fields.durationMs.default(1_000),
    headStaleMs: fields.durationMs.default(5_000),
    headDownMs: fields.durationMs.default(30_000),
    evmConfig: z.string().min(1).optional(),
    evmRpcUrls: z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((u) => u.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.url("every entry must be a URL")).min(1))
      .optional(),
    evmConfirmations: z.coerce.number().int("must be an integer").min(0).optional(),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.driver !== "evm") return;
    if (!cfg.evmConfig) {
      ctx.addIssue({
        code: "custom",
        path: ["evmConfig"],
        message: "required with BW_DRIVER=evm: the chain's config file",
      });
      return;
    }
    const loaded = loadEvmChainConfig(cfg.evmConfig);
    if (!loaded.ok) {
      for (const problem of loaded.problems)
        ctx.addIssue({ code: "custom", path: ["evmConfig"], message: problem });
      return;
    }
    if (loaded.config.rpc.length === 0 && !cfg.evmRpcUrls)
      ctx.addIssue({
        code: "custom",
        path: ["evmRpcUrls"],
        message: "no RPC endpoint: set BW_EVM_RPC_URLS or `rpc` in the config file",
      });
  })
  .superRefine(
    (cfg, ctx) => {
      if (cfg.driver !== "sim") return;
      let scenario: Scenario;
      try {
        scenario = loadScenario(cfg.simScenario ?? DEFAULT_SCENARIO_PATH);
      } catch (err) {
        if (!(err instanceof ScenarioError)) throw err;
        const source = cfg.simScenario ?? "the default scenario";
        for (const problem of err.problems)
          ctx.addIssue({ code: "custom", path: ["simScenario"], message: `${source}: ${problem}` });
        return;
      }
      if (!(cfg.chain in scenario.chains))
        ctx.addIssue({
          code: "custom",
          path: ["chain"],
          message: `unknown chain "${cfg.chain}": the scenario defines ${Object.keys(scenario.chains).join(", ")}`,
        });
    },
    { when: (payload) => scenarioInputs.safeParse(payload.value).success },
  )
  .refine((cfg) => cfg.headDownMs > cfg.headStaleMs, {
    path: ["headDownMs"],
    message: "must be greater than BW_HEAD_STALE_MS",
  });

export type WatcherSettings = z.output<typeof schema>;

export interface WatcherConfig extends WatcherSettings {
  /** The simulation scenario (driver `sim`). */
  readonly scenario: Scenario;
  /** The EVM chain file with env overrides applied (driver `evm`). */
  readonly evm?: EvmChainConfig | undefined;
}

/**
 * Loads and validates the watcher's configuration from the environment and
 * `--chain`; throws ConfigError naming every bad field (runService exits 2).
 */
export function loadWatcherConfig(
  argv: readonly string[] = process.argv.slice(2),
  environment: NodeJS.ProcessEnv = process.env,
): WatcherConfig {
  const settings = loadConfig(schema, {
    service: "watcher",
    env: WATCHER_ENV,
    flags: { chain: "chain" },
    argv,
    environment,
  });
  return {
    ...settings,
    scenario: loadScenario(settings.simScenario ?? DEFAULT_SCENARIO_PATH),
    evm: settings.driver === "evm" ? evmConfigOf(settings) : undefined,
  };
}

function evmConfigOf(settings: WatcherSettings): EvmChainConfig {
  const loaded = loadEvmChainConfig(settings.evmConfig!);
  if (!loaded.ok) throw new Error(loaded.problems.join("; ")); // validated above
  return {
    ...loaded.config,
    ...(settings.evmRpcUrls ? { rpc: settings.evmRpcUrls.map((url) => ({ url })) } : {}),
    ...(settings.evmConfirmations === undefined ? {} : { confirmations: settings.evmConfirmations }),
  };
}
