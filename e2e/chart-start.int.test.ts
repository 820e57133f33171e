// Every service starts and becomes ready with exactly what the chart renders: the environment,
// arguments and mounted files of its Deployment (e2e/chart/pod.ts), against a real nats-server
// (with TLS and a password where the values ask for them) and a local EVM node per EVM chain.
// Then every metric the Grafana dashboard and the alert rules query must be exported.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deploymentRoles, ensureSeedFiles, renderAuthorization, roleName, seedFileOf } from "@breakwater/bus";
import { tokenHash } from "@breakwater/identity";
import { DevAuthority } from "@breakwater/identity/dev-pki";
import {
  type EvmNode,
  eventually,
  type NatsServer,
  natsTlsFiles,
  SolanaLedger,
  type SolanaRpcServer,
  startEvmNode,
  startKafkaMock,
  startNats,
  startSlotClock,
  startSolanaRpc,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chartSource, ciFile, type K8sObject, type StagedChart, stageChart } from "./chart/helm.js";
import { type PodProcess, type Secrets, startPod } from "./chart/pod.js";

const NATS_USER = "bw-svc";
const NATS_PASSWORD = "s3cret-Pw_42";

/** Each service a rendered chart runs, started and ready; their /metrics text by pod. */
interface Started {
  pods: PodProcess[];
  metrics: Map<string, string>;
}

async function waitReady(pod: PodProcess, timeoutMs: number): Promise<void> {
  const url = `http://127.0.0.1:${pod.httpPort}${pod.readinessPath}`;
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (pod.exited() !== null)
      throw new Error(`${pod.name} exited ${pod.exited()}:\n${pod.output().slice(-3000)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${pod.name} not ready within ${timeoutMs} ms (${last}):\n${pod.output().slice(-3000)}`);
}

const OPERATOR_TOKEN = "chart-start-operator-token-0123456789";

describe.sequential("the chart's workloads start as rendered", () => {
  let chart: StagedChart;
  let work: string;
  const cleanups: (() => Promise<void>)[] = [];
  const runs = new Map<string, Started>();

  beforeAll(() => {
    chart = stageChart();
    work = mkdtempSync(join(tmpdir(), "bw-chart-start-"));
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    chart?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  /** Renders `valuesFile`, starts the servers it needs and every Deployment, and waits for /readyz. */
  async function startRendered(
    valuesFile: string,
    opts: { tls: boolean; auth: boolean; identities?: readonly string[] },
  ): Promise<Started> {
    const objects = chart.render(...ciFile(chart, valuesFile));
    const dir = mkdtempSync(join(work, "run-"));
    const secrets: Secrets = {
      "breakwater-signing": {
        "key.pem": generateKeyPairSync("ed25519")
          .privateKey.export({ type: "pkcs8", format: "pem" })
          .toString(),
      },
    };
    // the coordinator's mutual TLS Secret, as cert-manager writes it
    const ca = await DevAuthority.create();
    const server = await ca.issue({
      commonName: "coordinator",
      identity: { role: "service", name: "coordinator" },
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
    });
    // the coordinator's HTTP tokens: one operator
    secrets["breakwater-http-tokens"] = {
      "tokens.yaml": `tokens:\n  - { name: ops, role: operator, sha256: ${tokenHash(OPERATOR_TOKEN)} }\n`,
    };
    secrets["breakwater-coordinator-tls"] = {
      "tls.crt": server.certPem,
      "tls.key": server.keyPem,
      "ca.crt": ca.certPem,
    };
    const natsArgs: string[] = [];
    if (opts.auth) {
      natsArgs.push("--user", NATS_USER, "--pass", NATS_PASSWORD);
      secrets["breakwater-nats"] = { username: NATS_USER, password: NATS_PASSWORD, user: NATS_USER };
    }
    if (opts.tls) {
      const tls = makeTlsFiles(dir);
      natsArgs.push("--tls", "--tlscert", tls.cert, "--tlskey", tls.key);
      secrets["breakwater-nats-ca"] = { "ca.crt": readFileSync(tls.ca, "utf8") };
    }
    let natsConfig: string | undefined;
    if (opts.identities) {
      // the chart's identities: a seed per service in Secret breakwater-nats-<identity>, the server
      // with the authorization config scripts/nats-auth.ts writes, TLS verifying client certificates
      const seeds = join(dir, "nats-auth");
      const identities = ensureSeedFiles(seeds, deploymentRoles(opts.identities));
      for (const { role } of identities)
        secrets[`breakwater-nats-${roleName(role)}`] = {
          "seed.nk": readFileSync(seedFileOf(seeds, role), "utf8"),
        };
      const tls = natsTlsFiles(join(dir, "nats-tls"));
      secrets["breakwater-nats-ca"] = { "ca.crt": readFileSync(tls.ca, "utf8") };
      secrets["breakwater-nats-client"] = {
        "tls.crt": readFileSync(tls.clientCert, "utf8"),
        "tls.key": readFileSync(tls.clientKey, "utf8"),
      };
      natsConfig = `${tls.serverConfig}${renderAuthorization(identities)}`;
    }
    const nats: NatsServer = await startNats({
      args: natsArgs,
      ...(natsConfig ? { config: natsConfig } : {}),
    });
    cleanups.push(() => nats.dispose());

    const deployments = objects.filter((o) => o.kind === "Deployment");
    for (const d of deployments) {
      const chain = d.metadata.labels?.["breakwater.io/chain"];
      const cm = objects.find(
        (o) => o.kind === "ConfigMap" && o.metadata.labels?.["breakwater.io/chain"] === chain,
      );
      if (rpcSecretOf(d, "BW_SOLANA_RPC_URLS")) {
        // a Solana watcher: the loopback Solana JSON-RPC (no validator runs here), an empty ledger
        const ledger = new SolanaLedger({ wallClock: true, slotMs: 400 });
        const slots = startSlotClock(ledger, 400);
        const rpc: SolanaRpcServer = await startSolanaRpc(ledger);
        cleanups.push(async () => {
          slots.stop();
          await rpc.stop();
        });
        secrets[rpcSecretOf(d, "BW_SOLANA_RPC_URLS")!] = { urls: rpc.url };
        continue;
      }
      const chainFile = chain && cm?.data?.["chain.json"];
      if (!chainFile) continue;
      // one local EVM chain per EVM watcher, with the chain id its chain file names
      const node: EvmNode = await startEvmNode({
        chainId: JSON.parse(chainFile).chainId,
        blockTimeMs: 1_000,
      });
      cleanups.push(() => node.stop());
      // the websocket (Hardhat serves it on the same port) for a chain whose values name a wsKey
      secrets[rpcSecretOf(d, "BW_EVM_RPC_URLS")!] = {
        urls: node.url,
        "ws-urls": node.url.replace(/^http/, "ws"),
      };
    }

    // the Kafka exporter's brokers: librdkafka's mock cluster
    let kafkaBrokers: string | undefined;
    const kafkaEnv = (d: K8sObject) =>
      (d.spec.template.spec.containers[0].env as { name: string }[]).some(
        (e) => e.name === "BW_KAFKA_BROKERS",
      );
    if (deployments.some(kafkaEnv)) {
      const kafka = await startKafkaMock();
      cleanups.push(() => kafka.stop());
      kafkaBrokers = kafka.bootstrapServers;
    }

    const pods: PodProcess[] = [];
    for (const d of deployments) {
      const pod = await startPod({
        deployment: d,
        objects,
        secrets,
        fsRoot: dir,
        natsHostPort: `127.0.0.1:${nats.port}`,
        ...(kafkaBrokers ? { kafkaBrokers } : {}),
      });
      cleanups.push(() => pod.stop());
      pods.push(pod);
    }
    for (const pod of pods) await waitReady(pod, 90_000);
    const metrics = new Map<string, string>();
    for (const pod of pods)
      metrics.set(pod.name, await (await fetch(`http://127.0.0.1:${pod.httpPort}/metrics`)).text());
    return { pods, metrics };
  }

  it("behavior: external NATS over TLS with a password: every watcher, the correlator and the coordinator become ready", async () => {
    const started = await startRendered("tls-values.yaml", { tls: true, auth: true });
    runs.set("tls", started);
    expect(started.pods.map((p) => p.name).sort()).toEqual([
      "bw-breakwater-coordinator",
      "bw-breakwater-correlator",
      "bw-breakwater-watcher-base",
      "bw-breakwater-watcher-sim-a",
    ]);
    for (const pod of started.pods) {
      expect(pod.env["BW_NATS_URL"]).toMatch(/^tls:\/\/bw-svc:s3cret-Pw_42@127\.0\.0\.1:\d+$/);
      expect(pod.output(), `${pod.name} logged the NATS password`).not.toContain(NATS_PASSWORD);
    }
  }, 240_000);

  it("behavior: one NATS identity per service, over TLS with a client certificate: every service becomes ready", async () => {
    const started = await startRendered("nats-identities-values.yaml", {
      tls: false,
      auth: false,
      identities: ["sim-a", "sim-b"],
    });
    runs.set("identities", started);
    // two watchers, the correlator, the coordinator and the Kafka exporter (on in these values)
    expect(started.pods).toHaveLength(5);
    for (const pod of started.pods) {
      expect(pod.env["BW_NATS_SEED_FILE"], pod.name).toBeTruthy();
      expect(pod.output(), `${pod.name} was refused something by NATS`).not.toMatch(/NATS denied/);
    }
  }, 240_000);

  it("behavior: two EVM chains with their chain files, the correlator's config, the policy and the signing key: all ready", async () => {
    const started = await startRendered("multichain-evm-values.yaml", { tls: false, auth: false });
    runs.set("multichain", started);
    expect(started.pods).toHaveLength(5); // two EVM watchers, a Solana watcher, the correlator, the coordinator
    const coordinator = started.pods.find((p) => p.name.endsWith("-coordinator"))!;
    // the tokens Secret is mounted: reads need a token now
    expect((await fetch(`http://127.0.0.1:${coordinator.httpPort}/v1/policy`)).status).toBe(401);
    const policy = await (
      await fetch(`http://127.0.0.1:${coordinator.httpPort}/v1/policy`, {
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
      })
    ).text();
    expect(policy).toContain("mwcb");
    // arbitrum's values name a wsKey: its watcher follows new heads over websocket; ethereum's polls
    const watcherOf = (chain: string) => started.pods.find((p) => p.name.endsWith(`-watcher-${chain}`))!;
    await eventually(() =>
      /following new heads over websocket/.test(watcherOf("arbitrum").output()) ? true : undefined,
    );
    expect(watcherOf("ethereum").output()).not.toMatch(/following new heads over websocket/);
  }, 240_000);

  it("behavior: every metric the dashboard and the alert rules query is exported by a running service", () => {
    expect(runs.size, "the services must have started").toBe(3);
    const exported = new Map<string, string>(); // name → type
    for (const { metrics } of runs.values())
      for (const text of metrics.values())
        for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) exported.set(m[1]!, m[2]!);
    const exprs: string[] = [];
    const dashboard = JSON.parse(readFileSync(join(chartSource, "files/dashboard.json"), "utf8"));
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object")
        for (const [k, v] of Object.entries(node)) {
          if (k === "expr" && typeof v === "string") exprs.push(v);
          else walk(v);
        }
    };
    walk(dashboard.panels);
    const rules = chart
      .render(...ciFile(chart, "multichain-evm-values.yaml"))
      .find((o: K8sObject) => o.kind === "PrometheusRule")!;
    for (const r of rules.spec.groups[0].rules) exprs.push(r.expr);
    // the Kafka exporter's alert, where the exporter is on
    const exporterRules = chart
      .render(
        ...ciFile(chart, "nats-identities-values.yaml"),
        "--set",
        "monitoring.prometheusRule.enabled=true",
      )
      .find((o: K8sObject) => o.kind === "PrometheusRule")!;
    const stalled = exporterRules.spec.groups[0].rules.find(
      (r: { alert: string }) => r.alert === "BreakwaterKafkaExportStalled",
    );
    expect(stalled, "the Kafka exporter's alert").toBeDefined();
    exprs.push(stalled.expr);
    expect(exprs.length).toBeGreaterThan(20);
    const queried = new Set(exprs.flatMap((e) => [...e.matchAll(/\bbw_[a-z0-9_]+/g)].map((m) => m[0])));
    const missing = [...queried].filter((name) => {
      if (exported.has(name)) return false;
      const base = name.replace(/_(bucket|sum|count)$/, "");
      return exported.get(base) !== "histogram";
    });
    expect(missing).toEqual([]);
  });
});

/** The Secret a watcher's RPC URLs come from (`BW_EVM_RPC_URLS` or `BW_SOLANA_RPC_URLS`), if it has one. */
function rpcSecretOf(d: K8sObject, variable: string): string | undefined {
  const env = d.spec.template.spec.containers[0].env as {
    name: string;
    valueFrom?: { secretKeyRef?: { name: string } };
  }[];
  return env.find((e) => e.name === variable)?.valueFrom?.secretKeyRef?.name;
}

/** A CA and a server certificate for 127.0.0.1 it signed, made with openssl. */
function makeTlsFiles(dir: string): { ca: string; cert: string; key: string } {
  writeFileSync(join(dir, "san.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=breakwater-test-ca",
  );
  run(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
  );
  run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "2",
    "-extfile",
    "san.cnf",
  );
  return { ca: join(dir, "ca.crt"), cert: join(dir, "server.crt"), key: join(dir, "server.key") };
}
