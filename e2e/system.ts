import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Bus,
  type BusRole,
  connectBus,
  deploymentRoles,
  ensureSeedFiles,
  renderAuthorization,
  roleName,
  seedFileOf,
} from "@breakwater/bus";
import { type DevPki, writeDevPki } from "@breakwater/identity/dev-pki";
import {
  type EvmLab,
  freePort,
  type NatsServer,
  type ServiceProcess,
  startEvmLab,
  startNats,
  startService,
  tlsEnvOf,
} from "@breakwater/testkit";
import { DEFAULT_SCENARIO_PATH } from "@breakwater/watcher";
import { parse as parseYaml } from "yaml";
import { type SolanaCluster, startSolanaCluster } from "./solana-cluster.js";

/** One line a sample venue prints for each signal it receives. */
export interface VenueSignalLine {
  readonly event: "signal";
  readonly venue: string;
  readonly sequence: number;
  readonly kind: string;
  readonly scope: Record<string, string[]>;
  readonly issuedAtMs: number;
  readonly effectiveAtMs: number;
  readonly receivedAtMs: number;
  readonly latencyMs: number;
  readonly level?: number;
  /** Why the coordinator issued it (the rule's words). */
  readonly reason: string;
}

export interface SystemOptions {
  readonly chains: readonly string[];
  readonly venues: readonly string[];
  /** Scenario overrides merged into the watcher's embedded scenario (written to a file). */
  readonly scenario?: Record<string, unknown>;
  /** Genesis of the simulated chains, shared so the crash hits every chain at once. */
  readonly genesisMs?: number;
  readonly coordinatorEnv?: Record<string, string>;
  readonly logLevel?: string;
  /**
   * Sign with an ephemeral development key (BW_DEVELOPMENT_SIGNING_KEY) instead
   * of a key file; a coordinator restart then signs with a new key. The demo does.
   */
  readonly developmentSigningKey?: boolean;
  /**
   * Also run a local EVM chain (a Hardhat node with the reference perp venue
   * `perp-evm`, a Chainlink-style ETH feed and the options vault `opt-evm`)
   * followed by an EVM watcher.
   */
  readonly evm?: { readonly chain: string; readonly seedPositions: number; readonly seedOptions?: number };
  /**
   * A simulated Solana cluster (the testkit's loopback Solana RPC: no validator runs here) with
   * Drift's ETH-PERP (venue `drift`, `traders` users) and a Pyth ETH feed, and its watcher.
   */
  readonly solana?: { readonly chain: string; readonly traders: number };
  /** The correlator's config file (YAML), e.g. an entity map of the labs' accounts. */
  readonly correlatorConfig?: (labs: {
    evm: EvmLab | undefined;
    solana: SolanaCluster | undefined;
  }) => string;
}

export interface RunningSystem {
  /** A nats-server that admits only the system's identities (docs/architecture.md, NATS identities and permissions). */
  readonly nats: NatsServer;
  /** Where each identity's nkey seed is (`<role name>.nk`) beside the generated authorization.conf. */
  readonly natsAuthDir: string;
  /** A bus connection acting as one of the system's identities (closed by the caller). */
  connectAs(role: BusRole): Promise<Bus>;
  readonly dir: string;
  /** The development CA and certificates (mutual TLS between venues and the coordinator). */
  readonly pki: DevPki;
  readonly genesisMs: number;
  readonly addresses: Record<string, string>;
  readonly watchers: Map<string, ServiceProcess>;
  correlator: ServiceProcess;
  coordinator: ServiceProcess;
  readonly venues: Map<string, ServiceProcess>;
  /** The local EVM chain, when `evm` was asked for. */
  readonly evm: EvmLab | undefined;
  /** The simulated Solana cluster, when `solana` was asked for. */
  readonly solana: SolanaCluster | undefined;
  /** Signals each venue printed so far. */
  signals(venue: string): VenueSignalLine[];
  restartCorrelator(crash?: boolean): Promise<void>;
  restartCoordinator(crash?: boolean): Promise<void>;
  stop(): Promise<void>;
}

const WATCHER = "services/watcher/src/main.ts";
const CORRELATOR = "services/correlator/src/main.ts";
const COORDINATOR = "services/coordinator/src/main.ts";
const VENUE = "services/sample-venue/src/main.ts";

/** A spare venue registered with every market in scope, for a person or program to subscribe as. */
export const GUEST_VENUE = "guest-venue";

/**
 * Starts the whole system as real processes on free loopback ports: a private
 * nats-server, one watcher per simulated chain, the correlator, the
 * coordinator and sample venues. Used by `make demo` and the e2e tests.
 * NATS runs with the authorization config scripts/nats-auth.ts would write for
 * these chains: each service connects with its own nkey seed and permissions,
 * and an anonymous client is refused.
 */
export async function startSystem(opts: SystemOptions): Promise<RunningSystem> {
  const dir = mkdtempSync(join(tmpdir(), "bw-system-"));
  const natsAuthDir = join(dir, "nats-auth");
  const chains = [
    ...opts.chains,
    ...(opts.evm ? [opts.evm.chain] : []),
    ...(opts.solana ? [opts.solana.chain] : []),
  ];
  const identities = ensureSeedFiles(natsAuthDir, deploymentRoles(chains));
  const authorization = renderAuthorization(identities);
  writeFileSync(join(natsAuthDir, "authorization.conf"), authorization);
  const nats = await startNats({ storeDir: join(dir, "nats"), config: authorization });
  const seedEnv = (role: BusRole) => ({ BW_NATS_SEED_FILE: seedFileOf(natsAuthDir, role) });
  let evm: EvmLab | undefined;
  if (opts.evm) {
    try {
      evm = await startEvmLab({ chain: opts.evm.chain, prices: { ETH: 3000 }, blockTimeMs: 1_000 });
      await evm.seedPositions("ETH", opts.evm.seedPositions);
      await evm.seedOptions("ETH", opts.evm.seedOptions ?? 0);
    } catch (err) {
      await evm?.stop();
      await nats.dispose();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
  let solana: SolanaCluster | undefined;
  if (opts.solana) {
    try {
      solana = await startSolanaCluster({ traders: opts.solana.traders, ethPrice: 3000 });
    } catch (err) {
      await evm?.stop();
      await nats.dispose();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
  const genesisMs = opts.genesisMs ?? Date.now() + 1_500;
  const logLevel = opts.logLevel ?? "info";
  const common = { BW_NATS_URL: nats.url, BW_HTTP_HOST: "127.0.0.1", BW_LOG_LEVEL: logLevel };
  // Mutual TLS between venues and the coordinator: a development CA, a server
  // certificate, one client certificate per venue (the guest too) and the registry naming them.
  const registered = [...new Set([...opts.venues, GUEST_VENUE])];
  const pki = await writeDevPki(join(dir, "pki"), {
    venues: registered,
    services: ["server"],
    people: [{ role: "operator", name: "demo-operator" }],
  });
  const venuesFile = join(dir, "pki", "venues.yaml");
  writeFileSync(venuesFile, JSON.stringify({ venues: registered.map((id) => ({ id })) }, null, 2));
  const signingKeyFile = join(dir, "pki", "signing-key.pem");
  writeFileSync(
    signingKeyFile,
    generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    { mode: 0o600 },
  );
  const server = pki.services["server"]!;
  const addresses: Record<string, string> = {
    nats: nats.url,
    "nats authorization": join(natsAuthDir, "authorization.conf"),
  };
  const started: ServiceProcess[] = [];

  const track = (p: ServiceProcess) => {
    started.push(p);
    return p;
  };

  try {
    let scenarioEnv: Record<string, string> = {};
    if (opts.scenario) {
      const file = join(dir, "scenario.json");
      const base = parseYaml(readFileSync(DEFAULT_SCENARIO_PATH, "utf8")) as Record<string, unknown>;
      writeFileSync(file, JSON.stringify({ ...base, ...opts.scenario }, null, 2));
      scenarioEnv = { BW_SIM_SCENARIO: file };
    }

    const watchers = new Map<string, ServiceProcess>();
    for (const chain of opts.chains) {
      const port = await freePort();
      const p = track(
        startService(WATCHER, ["--chain", chain], {
          ...common,
          ...seedEnv({ kind: "watcher", chain }),
          ...scenarioEnv,
          BW_HTTP_PORT: String(port),
          BW_SIM_GENESIS_MS: String(genesisMs),
        }),
      );
      watchers.set(chain, p);
      addresses[`watcher ${chain} http`] = `http://127.0.0.1:${port}`;
    }
    if (evm && opts.evm) {
      const chainFile = join(dir, "evm-chain.json");
      evm.writeChainConfig(chainFile);
      const port = await freePort();
      const p = track(
        startService(WATCHER, ["--chain", opts.evm.chain], {
          ...common,
          ...seedEnv({ kind: "watcher", chain: opts.evm.chain }),
          BW_DRIVER: "evm",
          BW_EVM_CONFIG: chainFile,
          // Hardhat serves its websocket on the RPC port: new heads are pushed, polling is the fallback.
          BW_EVM_WS_URLS: evm.rpcUrl.replace(/^http/, "ws"),
          BW_HTTP_PORT: String(port),
        }),
      );
      watchers.set(opts.evm.chain, p);
      addresses[`evm node rpc`] = evm.rpcUrl;
      addresses[`watcher ${opts.evm.chain} http`] = `http://127.0.0.1:${port}`;
    }

    if (solana && opts.solana) {
      const clusterFile = join(dir, "solana-cluster.json");
      solana.writeClusterFile(clusterFile);
      const port = await freePort();
      const p = track(
        startService(WATCHER, ["--chain", opts.solana.chain], {
          ...common,
          ...seedEnv({ kind: "watcher", chain: opts.solana.chain }),
          BW_DRIVER: "solana",
          BW_SOLANA_CONFIG: clusterFile,
          BW_HTTP_PORT: String(port),
        }),
      );
      watchers.set(opts.solana.chain, p);
      addresses["solana rpc"] = solana.rpcUrl;
      addresses[`watcher ${opts.solana.chain} http`] = `http://127.0.0.1:${port}`;
    }

    const corrHttp = await freePort();
    const corrGrpc = await freePort();
    const correlatorEnv = {
      ...common,
      ...tlsEnvOf({ ...server, caFile: pki.caFile }),
      ...seedEnv({ kind: "correlator" }),
      BW_HTTP_PORT: String(corrHttp),
      BW_GRPC_PORT: String(corrGrpc),
      BW_GRPC_HOST: "127.0.0.1",
      ...(opts.correlatorConfig
        ? { BW_CONFIG: writeConfig(dir, "correlator.yaml", opts.correlatorConfig({ evm, solana })) }
        : {}),
    };
    addresses["correlator http"] = `http://127.0.0.1:${corrHttp}`;
    addresses["correlator grpc"] = `127.0.0.1:${corrGrpc}`;

    const coordHttp = await freePort();
    const coordGrpc = await freePort();
    const coordinatorEnv = {
      ...common,
      ...seedEnv({ kind: "coordinator" }),
      BW_HTTP_PORT: String(coordHttp),
      BW_GRPC_PORT: String(coordGrpc),
      BW_GRPC_HOST: "127.0.0.1",
      ...tlsEnvOf({ ...server, caFile: pki.caFile }),
      BW_VENUES_FILE: venuesFile,
      ...(opts.developmentSigningKey
        ? { BW_DEVELOPMENT_SIGNING_KEY: "true" }
        : { BW_SIGNING_KEY_FILE: signingKeyFile }),
      ...opts.coordinatorEnv,
    };
    addresses["coordinator http"] = `http://127.0.0.1:${coordHttp}`;
    addresses["coordinator grpc"] = `127.0.0.1:${coordGrpc}`;

    const system: RunningSystem = {
      nats,
      natsAuthDir,
      connectAs: (role) =>
        connectBus({
          url: nats.url,
          name: `e2e-as-${roleName(role)}`,
          role,
          credentials: { nkeySeedFile: seedFileOf(natsAuthDir, role) },
        }),
      dir,
      pki,
      genesisMs,
      addresses,
      watchers,
      correlator: track(startService(CORRELATOR, [], correlatorEnv)),
      coordinator: track(startService(COORDINATOR, [], coordinatorEnv)),
      venues: new Map(),
      evm,
      solana,
      signals(venue) {
        const p = this.venues.get(venue);
        if (!p) return [];
        return p
          .output()
          .split("\n")
          .filter((l) => l.includes('"event":"signal"'))
          .map((l) => JSON.parse(l) as VenueSignalLine);
      },
      async restartCorrelator(crash = false) {
        await (crash ? this.correlator.kill() : this.correlator.stop());
        this.correlator = track(startService(CORRELATOR, [], correlatorEnv));
        await this.correlator.waitFor(/correlator started/, 30_000);
      },
      async restartCoordinator(crash = false) {
        await (crash ? this.coordinator.kill() : this.coordinator.stop());
        this.coordinator = track(startService(COORDINATOR, [], coordinatorEnv));
        await this.coordinator.waitFor(/coordinator started/, 30_000);
      },
      async stop() {
        await Promise.all(started.map((p) => p.stop(5_000)));
        await evm?.stop();
        await solana?.stop();
        await nats.dispose();
        rmSync(dir, { recursive: true, force: true });
      },
    };

    await Promise.all([
      ...[...watchers.values()].map((w) => w.waitFor(/watcher started/, 30_000)),
      system.correlator.waitFor(/correlator started/, 30_000),
      system.coordinator.waitFor(/coordinator started/, 30_000),
    ]);

    for (const venue of opts.venues) {
      const tls = pki.venues[venue]!;
      const p = track(
        startService(VENUE, ["--venue", venue, "--coordinator", `127.0.0.1:${coordGrpc}`], {
          BW_LOG_LEVEL: logLevel,
          ...tlsEnvOf({ ...tls, caFile: pki.caFile }),
        }),
      );
      system.venues.set(venue, p);
    }
    await Promise.all([...system.venues.values()].map((v) => v.waitFor(/"event":"ready"/, 30_000)));
    return system;
  } catch (err) {
    await Promise.all(started.map((p) => p.kill()));
    await evm?.stop();
    await solana?.stop();
    await nats.dispose();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function writeConfig(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
