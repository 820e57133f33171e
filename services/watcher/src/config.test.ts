import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@breakwater/config";
import { describe, expect, it } from "vitest";
import { loadWatcherConfig } from "./config.js";

function problemsOf(argv: string[], env: Record<string, string>): string[] {
  try {
    loadWatcherConfig(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error("expected the configuration to be rejected");
}

describe("watcher config", () => {
  it("default: --chain alone gives a working configuration", () => {
    const config = loadWatcherConfig(["--chain", "sim-a"], {});
    expect(config).toMatchObject({
      chain: "sim-a",
      natsUrl: "nats://127.0.0.1:4222",
      httpHost: "127.0.0.1",
      httpPort: 9101,
      logLevel: "info",
      driver: "sim",
      heartbeatMs: 1000,
      headStaleMs: 5000,
      headDownMs: 30000,
    });
    if (config.driver !== "sim") throw new Error("expected the sim driver"); // narrows the type
    expect(config.simGenesisMs).toBeUndefined();
    expect(Object.keys(config.scenario.chains)).toEqual(["sim-a", "sim-b"]);
  });

  it("behavior: the environment sets every field", () => {
    const config = loadWatcherConfig([], {
      BW_CHAIN: "sim-b",
      BW_NATS_URL: "nats://127.0.0.1:4333",
      BW_HTTP_HOST: "0.0.0.0",
      BW_HTTP_PORT: "0",
      BW_LOG_LEVEL: "warn",
      BW_DRIVER: "sim",
      BW_SIM_GENESIS_MS: "1700000000000",
      BW_HEARTBEAT_MS: "200",
      BW_HEAD_STALE_MS: "800",
      BW_HEAD_DOWN_MS: "4000",
    });
    expect(config).toMatchObject({
      chain: "sim-b",
      httpHost: "0.0.0.0",
      httpPort: 0,
      logLevel: "warn",
      simGenesisMs: 1_700_000_000_000,
      heartbeatMs: 200,
      headStaleMs: 800,
      headDownMs: 4000,
    });
  });

  it("behavior: a bad port and an unknown chain are both reported", () => {
    const problems = problemsOf(["--chain", "sim-z"], { BW_HTTP_PORT: "abc" });
    expect(problems).toHaveLength(2);
    expect(problems.some((p) => p.startsWith("httpPort (env BW_HTTP_PORT):"))).toBe(true);
    expect(problems.some((p) => p.includes('unknown chain "sim-z": the scenario defines sim-a, sim-b'))).toBe(
      true,
    );
  });

  it("behavior: every bad field is named", () => {
    const problems = problemsOf([], {
      BW_NATS_URL: "http://example",
      BW_DRIVER: "cosmos",
      BW_HEARTBEAT_MS: "-5",
      BW_SIM_GENESIS_MS: "yesterday",
      BW_LOG_LEVEL: "loud",
    }).join("\n");
    expect(problems).toMatch(/^chain \(env BW_CHAIN\): required: pass --chain or set BW_CHAIN/m);
    expect(problems).toMatch(/^natsUrl \(env BW_NATS_URL\): /m);
    expect(problems).toMatch(/^driver \(env BW_DRIVER\): must be "sim", "evm" or "solana"/m);
    expect(problems).toMatch(/^heartbeatMs \(env BW_HEARTBEAT_MS\): /m);
    expect(problems).toMatch(/^simGenesisMs \(env BW_SIM_GENESIS_MS\): /m);
    expect(problems).toMatch(/^logLevel \(env BW_LOG_LEVEL\): /m);
  });

  it("behavior: the solana driver needs a valid cluster file and an RPC endpoint", () => {
    expect(problemsOf(["--chain", "sol"], { BW_DRIVER: "solana" })).toContain(
      "solanaConfig (env BW_SOLANA_CONFIG): required with BW_DRIVER=solana: the cluster's config file",
    );
    const dir = mkdtempSync(join(tmpdir(), "bw-sol-cfg-"));
    const file = join(dir, "cluster.yaml");
    writeFileSync(file, "cluster: localnet\ncommitment: processed\n");
    const problems = problemsOf(["--chain", "sol"], { BW_DRIVER: "solana", BW_SOLANA_CONFIG: file }).join(
      "\n",
    );
    expect(problems).toMatch(/commitment: Invalid option/);
    writeFileSync(file, "cluster: localnet\n");
    expect(problemsOf(["--chain", "sol"], { BW_DRIVER: "solana", BW_SOLANA_CONFIG: file })).toContain(
      "solanaRpcUrls (env BW_SOLANA_RPC_URLS): no RPC endpoint: set BW_SOLANA_RPC_URLS or `rpc` in the config file",
    );
    const cfg = loadWatcherConfig(["--chain", "sol"], {
      BW_DRIVER: "solana",
      BW_SOLANA_CONFIG: file,
      BW_SOLANA_RPC_URLS: "http://127.0.0.1:1,http://127.0.0.1:2",
    });
    expect(cfg.driver === "solana" && cfg.solana.rpc.map((r) => r.url)).toEqual([
      "http://127.0.0.1:1",
      "http://127.0.0.1:2",
    ]);
    expect(cfg.driver === "solana" && cfg.solana.commitment).toBe("confirmed");
  });

  it("behavior: the evm driver needs a valid chain file and an RPC endpoint", () => {
    expect(problemsOf(["--chain", "arb"], { BW_DRIVER: "evm" })).toContain(
      "evmConfig (env BW_EVM_CONFIG): required with BW_DRIVER=evm: the chain's config file",
    );
    const dir = mkdtempSync(join(tmpdir(), "bw-watcher-config-"));
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "chainId: 0\nconfirmations: -1\n");
    const problems = problemsOf(["--chain", "arb"], { BW_DRIVER: "evm", BW_EVM_CONFIG: bad }).join("\n");
    expect(problems).toMatch(/^evmConfig \(env BW_EVM_CONFIG\): .*bad\.yaml: chainId: /m);
    expect(problems).toMatch(/^evmConfig \(env BW_EVM_CONFIG\): .*bad\.yaml: confirmations: /m);
    const noRpc = join(dir, "no-rpc.yaml");
    writeFileSync(noRpc, "chainId: 42161\n");
    expect(problemsOf(["--chain", "arb"], { BW_DRIVER: "evm", BW_EVM_CONFIG: noRpc })).toContain(
      "evmRpcUrls (env BW_EVM_RPC_URLS): no RPC endpoint: set BW_EVM_RPC_URLS or `rpc` in the config file",
    );
    const config = loadWatcherConfig(["--chain", "arb"], {
      BW_DRIVER: "evm",
      BW_EVM_CONFIG: noRpc,
      BW_EVM_RPC_URLS: "http://127.0.0.1:1,http://127.0.0.1:2",
      BW_EVM_CONFIRMATIONS: "3",
    });
    if (config.driver !== "evm") throw new Error("expected the evm driver"); // narrows the type
    expect(config.evm).toMatchObject({
      chainId: 42161,
      confirmations: 3,
      rpc: [{ url: "http://127.0.0.1:1" }, { url: "http://127.0.0.1:2" }],
    });
  });

  it("behavior: BW_EVM_WS_URLS gives the endpoints their websockets by position; a wrong scheme or count is refused", () => {
    const file = join(mkdtempSync(join(tmpdir(), "bw-watcher-config-")), "chain.yaml");
    writeFileSync(file, "chainId: 42161\n");
    const env = {
      BW_DRIVER: "evm",
      BW_EVM_CONFIG: file,
      BW_EVM_RPC_URLS: "http://127.0.0.1:1,http://127.0.0.1:2",
    };
    const config = loadWatcherConfig(["--chain", "arb"], { ...env, BW_EVM_WS_URLS: ",ws://127.0.0.1:2" });
    if (config.driver !== "evm") throw new Error("expected the evm driver");
    expect(config.evm.rpc).toEqual([
      { url: "http://127.0.0.1:1" },
      { url: "http://127.0.0.1:2", ws: "ws://127.0.0.1:2" },
    ]);
    expect(
      problemsOf(["--chain", "arb"], { ...env, BW_EVM_WS_URLS: "http://127.0.0.1:1" }).join("\n"),
    ).toMatch(/^evmWsUrls.0 \(env BW_EVM_WS_URLS\): .*must be a ws:\/\/ or wss:\/\/ URL/m);
    expect(
      problemsOf(["--chain", "arb"], { ...env, BW_EVM_WS_URLS: "ws://a:1,ws://b:2,ws://c:3" }),
    ).toContain(
      "evmWsUrls (env BW_EVM_WS_URLS): 3 websocket URLs for 2 RPC endpoints: one per endpoint, by position (empty for none)",
    );
  });

  it("behavior: a broken scenario file is reported field by field", () => {
    const file = join(mkdtempSync(join(tmpdir(), "bw-watcher-config-")), "bad.json");
    writeFileSync(file, JSON.stringify({ seed: 1, blockTimeMs: 0, assets: {}, chains: {} }));
    const problems = problemsOf(["--chain", "sim-a"], { BW_SIM_SCENARIO: file });
    expect(problems).toContain(
      `simScenario (env BW_SIM_SCENARIO): ${file}: blockTimeMs: must be at least 10 ms`,
    );
    expect(problems).toContain(
      `simScenario (env BW_SIM_SCENARIO): ${file}: assets: needs at least one asset`,
    );
    expect(problems).toContain(
      `simScenario (env BW_SIM_SCENARIO): ${file}: chains: needs at least one chain`,
    );
  });

  it("behavior: the down threshold must exceed the stale threshold", () => {
    expect(problemsOf(["--chain", "sim-a"], { BW_HEAD_STALE_MS: "5000", BW_HEAD_DOWN_MS: "1000" })).toEqual([
      "headDownMs (env BW_HEAD_DOWN_MS): must be greater than BW_HEAD_STALE_MS",
    ]);
  });
});
