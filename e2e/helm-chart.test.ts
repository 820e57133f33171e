import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NATS_ENV, natsFields } from "@breakwater/config";
import { parsePolicy } from "@breakwater/coordinator";
import { correlatorConfigSchema } from "@breakwater/correlator";
import { loadKafkaExporterConfig } from "@breakwater/kafka-exporter";
import { evmChainSchema, solanaClusterSchema } from "@breakwater/watcher";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
// the services' env tables are not part of their packages' API; read them where they are defined
import { COORDINATOR_ENV } from "../services/coordinator/src/config.js";
import { WATCHER_ENV } from "../services/watcher/src/config.js";
import {
  chartSource,
  ciFile,
  ciValues,
  type K8sObject,
  root,
  type StagedChart,
  stageChart,
} from "./chart/helm.js";
import { type K8sValidator, KUBERNETES_VERSION, k8sValidator } from "./chart/k8s-schema.js";

// biome-ignore lint/suspicious/noExplicitAny: pod specs are read field by field
type Any = any;

const WORKLOAD_KINDS = new Set(["Deployment"]);
/** The per-environment examples SREs start from (deploy/values). */
const ENVIRONMENTS = ["dev", "staging", "prod"];
const envFile = (env: string) => ["-f", join(root, "deploy/values", `${env}.yaml`)];
/** Drain time of every service after SIGTERM (libs/config runService). */
const SERVICE_DRAIN_SECONDS = 10;

let chart: StagedChart;
let k8s: K8sValidator;
const rendered = new Map<string, K8sObject[]>();

beforeAll(() => {
  chart = stageChart();
  const v = chart.helm("version", "--short"); // fetches and caches the pinned helm on first use
  expect(v.status, v.stderr).toBe(0);
  k8s = k8sValidator();
  for (const file of ciValues) rendered.set(file, chart.render(...ciFile(chart, file)));
  for (const env of ENVIRONMENTS) rendered.set(`deploy/values/${env}.yaml`, chart.render(...envFile(env)));
}, 180_000);
afterAll(() => chart?.dispose());

/** What the chart sets by environment next to the correlator's config file: the TLS files. */
const CHART_TLS_FILES = {
  tlsCertFile: "/etc/breakwater/grpc-tls/tls.crt",
  tlsKeyFile: "/etc/breakwater/grpc-tls/tls.key",
  tlsCaFile: "/etc/breakwater/grpc-tls/ca.crt",
};

const podSpecs = (objects: K8sObject[]) =>
  objects.flatMap((o): { owner: K8sObject; spec: Any }[] =>
    WORKLOAD_KINDS.has(o.kind) ? [{ owner: o, spec: o.spec.template.spec }] : [],
  );
const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const chainOf = (o: K8sObject) => o.metadata.labels?.["breakwater.io/chain"];
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("Helm chart: lint and render (real helm, offline)", () => {
  it("default: the CI values files cover the cases the issue names", () => {
    expect(ciValues).toEqual([
      "minimal-values.yaml",
      "multichain-evm-values.yaml",
      "nats-credentials-values.yaml",
      "nats-identities-values.yaml",
      "tls-values.yaml",
    ]);
  });

  it("default: helm lint --strict passes with the defaults, every CI values file and every environment", () => {
    for (const args of [
      [...chart.required],
      ...ciValues.map((f) => ciFile(chart, f)),
      ...ENVIRONMENTS.map(envFile),
    ]) {
      const r = chart.helm("lint", "--strict", chart.dir, ...args);
      expect(r.status, `${args.join(" ")}\n${r.stdout}${r.stderr}`).toBe(0);
    }
    // With nothing given, the coordinator's TLS Secret, venues and signing key are missing: refused.
    const bare = chart.helm("lint", "--strict", chart.dir);
    expect(bare.status).not.toBe(0);
    expect(`${bare.stdout}${bare.stderr}`).toMatch(/tls|venues/);
  });

  it(`behavior: every rendered object is valid Kubernetes ${KUBERNETES_VERSION}, unknown fields refused`, () => {
    for (const [file, objects] of rendered) {
      expect(objects.length, file).toBeGreaterThan(10);
      for (const o of objects) {
        if (o.apiVersion === "monitoring.coreos.com/v1") continue; // CRDs: checked below
        expect(k8s.problems(o), `${file}: ${o.kind} ${o.metadata.name}`).toEqual([]);
      }
    }
  });

  it("behavior: the strict check itself refuses unknown, misplaced and mistyped fields", () => {
    const deployment = structuredClone(byKind(rendered.get("minimal-values.yaml")!, "Deployment")[0]!) as Any;
    expect(k8s.problems(deployment)).toEqual([]);
    const broken = (edit: (d: Any) => void) => {
      const d = structuredClone(deployment);
      edit(d);
      return k8s.problems(d).join("\n");
    };
    // the bug this chart had: container-only fields at the pod level
    expect(broken((d) => (d.spec.template.spec.securityContext.readOnlyRootFilesystem = true))).toMatch(
      /securityContext.*readOnlyRootFilesystem/,
    );
    expect(broken((d) => (d.spec.template.spec.containers[0].imagePullPolicyy = "Always"))).toMatch(
      /imagePullPolicyy/,
    );
    expect(broken((d) => (d.spec.replicas = "1"))).toMatch(/replicas: must be integer/);
    expect(broken((d) => delete d.spec.template.spec.containers[0].name)).toMatch(/name/);
    expect(broken((d) => (d.metadata.labels.x = 5))).toMatch(/labels\/x: must be string/);
    expect(k8s.problems({ apiVersion: "apps/v1", kind: "StatefulSet" })).toEqual([
      "apps/v1/StatefulSet: not a kind this check knows",
    ]);
  });

  it("behavior: monitoring objects carry what the Prometheus operator needs", () => {
    const objects = rendered.get("multichain-evm-values.yaml")!;
    const podMonitor = byKind(objects, "PodMonitor")[0]!;
    expect(podMonitor.spec.podMetricsEndpoints).toEqual([
      { port: "http", path: "/metrics", interval: "15s" },
    ]);
    const rule = byKind(objects, "PrometheusRule")[0]!;
    const alerts = rule.spec.groups[0].rules.map((r: Any) => r.alert);
    expect(alerts).toEqual(
      expect.arrayContaining([
        "BreakwaterChainStale",
        "BreakwaterHaltNotAcked",
        "BreakwaterNoLeader",
        "BreakwaterDeadLettersRising",
      ]),
    );
    for (const r of rule.spec.groups[0].rules) expect(typeof r.expr).toBe("string");
    const dashboard = byKind(objects, "ConfigMap").find((c) => c.metadata.name.endsWith("-dashboard"))!;
    expect(dashboard.metadata.labels?.["grafana_dashboard"]).toBe("1");
    expect(JSON.parse(dashboard.data!["breakwater.json"]!).title).toBe("Breakwater");
  });
});

describe("Helm chart: what every pod gets", () => {
  it("behavior: pod and container securityContext in their right places, writable /tmp from an emptyDir", () => {
    for (const [file, objects] of rendered) {
      for (const { owner, spec } of podSpecs(objects)) {
        const where = `${file}: ${owner.metadata.name}`;
        expect(spec.securityContext, where).toMatchObject({
          runAsNonRoot: true,
          seccompProfile: { type: "RuntimeDefault" },
        });
        expect(spec.automountServiceAccountToken, where).toBe(false);
        expect(spec.terminationGracePeriodSeconds, where).toBeGreaterThan(SERVICE_DRAIN_SECONDS);
        for (const c of spec.containers) {
          expect(c.securityContext, where).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          });
          expect(c.livenessProbe.httpGet.path, where).toBe("/healthz");
          expect(c.readinessProbe.httpGet.path, where).toBe("/readyz");
          const tmp = c.volumeMounts.find((m: Any) => m.mountPath === "/tmp");
          expect(spec.volumes.find((v: Any) => v.name === tmp.name).emptyDir, where).toBeDefined();
        }
      }
    }
  });

  it("behavior: the coordinator runs 2+ replicas spread over nodes, with a PDB and gRPC and HTTP Services", () => {
    for (const [file, objects] of rendered) {
      const coordinator = byKind(objects, "Deployment").find((d) =>
        d.metadata.name.endsWith("-coordinator"),
      )!;
      expect(coordinator.spec.replicas, file).toBeGreaterThanOrEqual(2);
      expect(coordinator.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      const spread = coordinator.spec.template.spec.topologySpreadConstraints;
      expect(spread.map((s: Any) => s.topologyKey)).toContain("kubernetes.io/hostname");
      const selector = coordinator.spec.selector.matchLabels;
      const pdb = byKind(objects, "PodDisruptionBudget").filter((p) =>
        matches(p.spec.selector.matchLabels, coordinator.spec.template.metadata.labels),
      );
      expect(pdb.map((p) => p.spec.minAvailable)).toEqual([1]);
      const services = byKind(objects, "Service").filter((s) => matches(s.spec.selector, selector));
      expect(services.map((s) => s.spec.ports.map((p: Any) => p.name)).sort()).toEqual([["grpc"], ["http"]]);
    }
  });

  it("behavior: secrets come from existing Secrets and never from values", () => {
    const objects = rendered.get("tls-values.yaml")!;
    expect(byKind(objects, "Secret")).toEqual([]);
    const coordinator = podSpecs(objects).find((p) => p.owner.metadata.name.endsWith("-coordinator"))!;
    const env = coordinator.spec.containers[0].env as Any[];
    const named = (n: string) => env.find((e) => e.name === n);
    expect(named("BW_NATS_USER").valueFrom.secretKeyRef).toEqual({
      name: "breakwater-nats",
      key: "username",
    });
    expect(named("BW_NATS_PASSWORD").valueFrom.secretKeyRef).toEqual({
      name: "breakwater-nats",
      key: "password",
    });
    // dependent variables must be defined before the URL that expands them
    expect(env.indexOf(named("BW_NATS_PASSWORD"))).toBeLessThan(env.indexOf(named("BW_NATS_URL")));
    expect(named("BW_NATS_URL").value).toBe(
      "tls://$(BW_NATS_USER):$(BW_NATS_PASSWORD)@nats.messaging.svc:4222",
    );
    expect(named("NODE_EXTRA_CA_CERTS").value).toBe("/etc/breakwater/nats-ca/ca.crt");
    expect(named("BW_SIGNING_KEY_FILE").value).toBe("/etc/breakwater/signing/key.pem");
    const volumes = coordinator.spec.volumes.map((v: Any) => v.secret?.secretName).filter(Boolean);
    expect(volumes.sort()).toEqual([
      "breakwater-coordinator-tls",
      "breakwater-nats-ca",
      "breakwater-signing",
    ]);
    const watcher = podSpecs(objects).find((p) => p.owner.metadata.name.endsWith("-watcher-base"))!;
    const rpc = watcher.spec.containers[0].env.find((e: Any) => e.name === "BW_EVM_RPC_URLS");
    expect(rpc.valueFrom.secretKeyRef).toEqual({ name: "breakwater-rpc-base", key: "urls" });
  });
});

describe("Helm chart: the dashboard", () => {
  it("behavior: off by default; when on, one Deployment and Service reading the correlator's and coordinator's Services, egress to those only", () => {
    expect(rendered.get("minimal-values.yaml")!.some((o) => o.metadata.name.endsWith("-dashboard"))).toBe(
      false,
    );
    const objects = chart.render(
      ...ciFile(chart, "tls-values.yaml"),
      "--set",
      "dashboard.enabled=true",
      "--set",
      "dashboard.httpTokens.existingSecret=bw-dashboard-tokens",
      "--set",
      "dashboard.upstreamToken.existingSecret=bw-dashboard-upstream",
    );
    const mine = objects.filter((o) => o.metadata.labels?.["app.kubernetes.io/component"] === "dashboard");
    expect(mine.map((o) => o.kind).sort()).toEqual([
      "Deployment",
      "NetworkPolicy",
      "Service",
      "ServiceAccount",
    ]);
    for (const o of mine) expect(k8s.problems(o), `${o.kind} ${o.metadata.name}`).toEqual([]);
    const deployment = mine.find((o) => o.kind === "Deployment")!;
    const { spec } = podSpecs([deployment])[0]!;
    const c = spec.containers[0];
    expect(c.args).toEqual(["dist/dashboard/main.mjs"]);
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(c.readinessProbe.httpGet.path).toBe("/readyz");
    const env = Object.fromEntries(c.env.map((e: Any) => [e.name, e.value]));
    const service = (component: string, suffix = "") =>
      objects.find(
        (o) =>
          o.kind === "Service" &&
          o.metadata.labels?.["app.kubernetes.io/component"] === component &&
          o.metadata.name.endsWith(suffix),
      )!;
    const correlator = service("correlator");
    const coordinator = service("coordinator", "-http");
    expect(env["BW_CORRELATOR_URL"]).toBe(
      `http://${correlator.metadata.name}:${correlator.spec.ports[0].port}`,
    );
    expect(env["BW_COORDINATOR_URL"]).toBe(
      `http://${coordinator.metadata.name}:${coordinator.spec.ports.find((p: Any) => p.name === "http").port}`,
    );
    expect(env["BW_DASHBOARD_PAGE_DIR"]).toBe("/app/dist/dashboard/page");
    // the page is in the image where the service reads it: make build writes dist/dashboard/page
    expect(readFileSync(join(root, "scripts/build.mjs"), "utf8")).toContain("dist/dashboard/page");
    expect(env["BW_HTTP_TOKENS_FILE"]).toBe("/etc/breakwater/http-tokens/tokens.yaml");
    expect(env["BW_UPSTREAM_TOKEN_FILE"]).toBe("/etc/breakwater/upstream-token/token");
    const policy = mine.find((o) => o.kind === "NetworkPolicy")!;
    const peers = policy.spec.egress.flatMap((e: Any) => e.to ?? []);
    expect(peers.map((p: Any) => p.podSelector.matchLabels["app.kubernetes.io/component"]).sort()).toEqual([
      "coordinator",
      "correlator",
    ]);
  });
});

describe("Helm chart: one NATS identity per service", () => {
  it("behavior: each Deployment mounts its own identity's seed and the client certificate, and sets the files", () => {
    const objects = rendered.get("nats-identities-values.yaml")!;
    expect(byKind(objects, "Secret")).toEqual([]);
    const identities = podSpecs(objects).map(({ owner, spec }) => {
      const env = spec.containers[0].env as Any[];
      const value = (n: string) => env.find((e) => e.name === n)?.value;
      expect(value("BW_NATS_SEED_FILE")).toBe("/etc/breakwater/nats-identity/seed.nk");
      expect(value("BW_NATS_TLS_CA_FILE")).toBe("/etc/breakwater/nats-ca/ca.crt");
      expect(value("BW_NATS_TLS_CERT_FILE")).toBe("/etc/breakwater/nats-client/tls.crt");
      expect(value("BW_NATS_URL")).toBe("tls://nats.messaging.svc:4222");
      expect(env.map((e) => e.name)).not.toContain("BW_NATS_USER");
      const mounts = spec.containers[0].volumeMounts.map((m: Any) => m.mountPath);
      expect(mounts).toEqual(
        expect.arrayContaining(["/etc/breakwater/nats-identity", "/etc/breakwater/nats-client"]),
      );
      const secrets = spec.volumes.map((v: Any) => v.secret?.secretName).filter(Boolean);
      expect(secrets).toContain("breakwater-nats-client");
      return [
        owner.metadata.name,
        secrets.find(
          (n: string) =>
            n.startsWith("breakwater-nats-") && n !== "breakwater-nats-ca" && n !== "breakwater-nats-client",
        ),
      ];
    });
    expect(Object.fromEntries(identities)).toEqual({
      "bw-breakwater-watcher-sim-a": "breakwater-nats-watcher-sim-a",
      "bw-breakwater-watcher-sim-b": "breakwater-nats-watcher-sim-b",
      "bw-breakwater-correlator": "breakwater-nats-correlator",
      "bw-breakwater-coordinator": "breakwater-nats-coordinator",
      "bw-breakwater-kafka-exporter": "breakwater-nats-kafka-exporter",
    });
  });
});

describe("Helm chart: the Kafka exporter", () => {
  const isExporter = (o: K8sObject) => o.metadata.name.endsWith("-kafka-exporter");

  it("default: off: no Kafka exporter object is rendered", () => {
    for (const [file, objects] of rendered)
      if (file !== "nats-identities-values.yaml") expect(objects.filter(isExporter), file).toEqual([]);
  });

  it("behavior: enabled, one Recreate replica with the brokers, topics and keys the exporter accepts, a metrics Service and egress to the brokers", () => {
    const objects = rendered.get("nats-identities-values.yaml")!;
    expect(
      objects
        .filter(isExporter)
        .map((o) => o.kind)
        .sort(),
    ).toEqual(["Deployment", "NetworkPolicy", "Pod", "Service", "ServiceAccount"]);
    // helm test asks it for /readyz like every other service
    const probe = objects.find((o) => o.kind === "Pod" && isExporter(o)) as Any;
    expect(JSON.stringify(probe.spec.containers[0])).toContain("bw-breakwater-kafka-exporter:9104/readyz");
    const deployment = objects.find((o) => o.kind === "Deployment" && isExporter(o)) as Any;
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe("Recreate");
    const container = deployment.spec.template.spec.containers[0];
    expect(container.args).toEqual(["dist/kafka-exporter/main.mjs"]);
    const env = Object.fromEntries(
      (container.env as Any[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]),
    );
    const config = loadKafkaExporterConfig([], env);
    expect(config).toMatchObject({
      kafkaBrokers: ["kafka-0.kafka.data.svc:9092", "kafka-1.kafka.data.svc:9092"],
      exports: ["signals", "acks", "snapshots"],
      signalsTopic: "breakwater.signals",
      signalsKey: "asset",
      acksKey: "signal",
      snapshotsKey: "asset",
      partitioner: "murmur2",
      payloadFormat: "json",
      idempotent: false,
      httpPort: 9104,
      natsSeedFile: "/etc/breakwater/nats-identity/seed.nk",
    });
    const service = objects.find((o) => o.kind === "Service" && isExporter(o)) as Any;
    expect(service.spec.ports).toEqual([{ name: "http", port: 9104, targetPort: "http", protocol: "TCP" }]);
    const policy = objects.find((o) => o.kind === "NetworkPolicy" && isExporter(o)) as Any;
    expect(policy.spec.egress.flatMap((e: Any) => e.ports.map((p: Any) => p.port))).toContain(9092);
  });

  it("behavior: enabled without brokers, or with half a SASL setting, is refused with the reason", () => {
    const base = [...chart.required, "--set", "kafkaExporter.enabled=true"];
    const none = chart.helm("template", "bw", chart.dir, ...base);
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/kafkaExporter.brokers/);
    const sasl = chart.helm(
      "template",
      "bw",
      chart.dir,
      ...base,
      "--set",
      "kafkaExporter.brokers=k:9092",
      "--set",
      "kafkaExporter.sasl.username=x",
    );
    expect(sasl.status).not.toBe(0);
    expect(sasl.stderr).toMatch(/go together/);
    const typo = chart.helm(
      "template",
      "bw",
      chart.dir,
      ...base,
      "--set",
      "kafkaExporter.brokers=k:9092",
      "--set",
      "kafkaExporter.keys.acks=asset",
    );
    expect(typo.status).not.toBe(0);
  });
});

describe("Helm chart: one chain's failure touches no other chain", () => {
  const objects = () => rendered.get("multichain-evm-values.yaml")!;
  const chains = ["ethereum", "arbitrum", "solana"];

  it("behavior: the Solana watcher gets its cluster file and its RPC URLs from its Secret", () => {
    const d = byKind(objects(), "Deployment").find((o) => chainOf(o) === "solana")!;
    const env = d.spec.template.spec.containers[0].env as Any[];
    expect(env.find((e) => e.name === "BW_DRIVER").value).toBe("solana");
    expect(env.find((e) => e.name === "BW_SOLANA_CONFIG").value).toBe("/etc/breakwater/chain/cluster.json");
    expect(env.find((e) => e.name === "BW_SOLANA_RPC_URLS").valueFrom.secretKeyRef).toEqual({
      name: "breakwater-rpc-solana",
      key: "urls",
    });
    const cm = byKind(objects(), "ConfigMap").find((o) => chainOf(o) === "solana")!;
    expect(solanaClusterSchema.parse(parseYaml(cm.data?.["cluster.json"] ?? ""))).toMatchObject({
      cluster: "mainnet-beta",
      commitment: "confirmed",
    });
  });

  it("behavior: an EVM watcher with rpc.wsKey gets its websocket URLs from the same Secret; one without gets none", () => {
    const envOf = (chain: string) =>
      byKind(objects(), "Deployment").find((o) => chainOf(o) === chain)!.spec.template.spec.containers[0]
        .env as Any[];
    expect(envOf("arbitrum").find((e) => e.name === "BW_EVM_WS_URLS").valueFrom.secretKeyRef).toEqual({
      name: "breakwater-rpc-arbitrum",
      key: "ws-urls",
    });
    expect(envOf("ethereum").find((e) => e.name === "BW_EVM_WS_URLS")).toBeUndefined();
  });

  it("behavior: exactly one Deployment, PDB, NetworkPolicy, ServiceAccount, ConfigMap and Service per chain", () => {
    for (const kind of [
      "Deployment",
      "PodDisruptionBudget",
      "NetworkPolicy",
      "ServiceAccount",
      "ConfigMap",
      "Service",
    ]) {
      const perChain = byKind(objects(), kind).filter((o) => chainOf(o) !== undefined);
      expect(perChain.map(chainOf).sort(), kind).toEqual([...chains].sort());
    }
    for (const d of byKind(objects(), "Deployment").filter((o) => chainOf(o))) {
      expect(d.spec.replicas).toBe(1);
      expect(d.spec.strategy.type).toBe("Recreate");
      expect(d.spec.template.spec.serviceAccountName).toBe(d.metadata.name);
    }
  });

  it("behavior: every selector picks the pods of exactly one workload, so no two chains' selectors overlap", () => {
    for (const [file, all] of rendered) {
      const pods = byKind(all, "Deployment").map((d) => ({
        name: d.metadata.name,
        labels: d.spec.template.metadata.labels as Record<string, string>,
      }));
      const selectors = all.flatMap((o): { what: string; sel: Record<string, string> }[] => {
        const what = `${o.kind} ${o.metadata.name}`;
        if (o.kind === "Deployment" || o.kind === "PodDisruptionBudget")
          return [{ what, sel: o.spec.selector.matchLabels }];
        if (o.kind === "NetworkPolicy") return [{ what, sel: o.spec.podSelector.matchLabels }];
        if (o.kind === "Service") return [{ what, sel: o.spec.selector }];
        return [];
      });
      for (const { what, sel } of selectors) {
        const picked = pods.filter((p) => matches(sel, p.labels)).map((p) => p.name);
        expect(picked, `${file}: ${what}`).toHaveLength(1);
      }
    }
  });

  it("behavior: no writable volume is shared, and a chain's ConfigMap is mounted by its own watcher only", () => {
    for (const [file, all] of rendered) {
      const mountedBy = new Map<string, string[]>();
      for (const { owner, spec } of podSpecs(all)) {
        for (const v of spec.volumes as Any[]) {
          expect(
            v.persistentVolumeClaim ?? v.hostPath,
            `${file}: ${owner.metadata.name} ${v.name}`,
          ).toBeUndefined();
          const source = v.configMap?.name ?? v.secret?.secretName;
          if (source) mountedBy.set(source, [...(mountedBy.get(source) ?? []), owner.metadata.name]);
        }
        for (const m of spec.containers.flatMap((c: Any) => c.volumeMounts) as Any[]) {
          const v = spec.volumes.find((x: Any) => x.name === m.name);
          if (!v.emptyDir) expect(m.readOnly, `${file}: ${owner.metadata.name} ${m.mountPath}`).toBe(true);
        }
      }
      for (const cm of byKind(all, "ConfigMap").filter((o) => chainOf(o))) {
        const deployment = byKind(all, "Deployment").find((d) => chainOf(d) === chainOf(cm))!;
        expect(mountedBy.get(cm.metadata.name), file).toEqual([deployment.metadata.name]);
      }
    }
  });

  it("behavior: long chain ids give names of at most 63 characters that stay distinct", () => {
    const id = (n: number) => `${"a".repeat(60)}-${n}`;
    const objects = chart.render(
      ...chart.required,
      "--set",
      `chains[0].id=${id(1)},chains[0].driver=sim,chains[1].id=${id(2)},chains[1].driver=sim`,
    );
    const names = byKind(objects, "Deployment").map((d) => d.metadata.name);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(63);
    expect(new Set(names).size).toBe(names.length);
    for (const o of objects) expect(k8s.problems(o), o.metadata.name).toEqual([]);
  });
});

describe("Helm chart: values the services would reject are rejected first", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "bw-values-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const evm = "driver: evm\n    evm: { chainId: 1 }\n    rpc: { existingSecret: rpc }";
  const bad: [string, string, RegExp][] = [
    ["solana without rpc", "chains:\n  - id: sol\n    driver: solana\n    solana: { cluster: c }\n", /rpc/],
    [
      "solana with an evm file",
      "chains:\n  - id: sol\n    driver: solana\n    solana: { cluster: c }\n    evm: { chainId: 1 }\n    rpc: { existingSecret: rpc }\n",
      /evm/,
    ],
    ["sim with rpc", "chains:\n  - id: a\n    driver: sim\n    rpc: { existingSecret: rpc }\n", /rpc/],
    ["typo at the top", "coordinatr:\n  replicas: 2\n", /coordinatr/],
    ["unknown chain key", "chains:\n  - id: a\n    driver: sim\n    replica: 2\n", /replica/],
    ["evm without rpc", "chains:\n  - id: a\n    driver: evm\n    evm: { chainId: 1 }\n", /rpc/],
    [
      "rpc urls in the chain file",
      `chains:\n  - id: a\n    ${evm}\n    evm: { chainId: 1, rpc: [https://x.example] }\n`,
      /rpc/,
    ],
    ["upper-case chain id", "chains:\n  - id: Mainnet\n    driver: sim\n", /id/],
    ["chain id ending in a dash", "chains:\n  - id: main-\n    driver: sim\n", /id/],
    [
      "duplicate chain",
      "chains:\n  - id: a\n    driver: sim\n  - id: a\n    driver: sim\n",
      /chain "a" is listed twice/,
    ],
    ["one coordinator", "coordinator:\n  replicas: 1\n", /replicas/],
    ["a coordinator without its TLS Secret", 'coordinator:\n  tls: { existingSecret: "" }\n', /tls/],
    ["a coordinator without registered venues", "coordinator:\n  venues: []\n", /venues/],
    ["a venue without an id", "coordinator:\n  venues: [{ scope: { assets: [ETH] } }]\n", /id/],
    [
      "a coordinator without a signing key and no development flag",
      "coordinator:\n  signing: { developmentKey: false }\n",
      /existingSecret/,
    ],
    [
      "env the chart sets",
      `chains:\n  - id: a\n    driver: sim\n    env: { BW_NATS_URL: "nats://x:1" }\n`,
      /BW_NATS_URL/,
    ],
    [
      "env the watcher does not read",
      `chains:\n  - id: a\n    driver: sim\n    env: { BW_HEAD_STALE: "1" }\n`,
      /BW_HEAD_STALE/,
    ],
    [
      "reorg window too small",
      `chains:\n  - id: a\n    ${evm}\n    evm: { chainId: 1, windowBlocks: 2 }\n`,
      /windowBlocks/,
    ],
    [
      "adapter without an address",
      `chains:\n  - id: a\n    ${evm}\n    evm: { chainId: 1, adapters: [{ kind: chainlink, asset: ETH, pair: ETH/USD, heartbeatSeconds: 3600 }] }\n`,
      /address/,
    ],
    ["correlator config typo", "correlator:\n  config: { entityMapp: {} }\n", /entityMapp/],
    ["credentials in the NATS URL", "externalNats:\n  url: nats://u:p@nats:4222\n", /url/],
    [
      "a shared NATS user and per-service identities at once",
      "externalNats:\n  auth: { existingSecret: s }\n  identities: { secretPrefix: p }\n",
      /exclude each other/,
    ],
    ["grace shorter than the drain", "terminationGracePeriodSeconds: 5\n", /terminationGracePeriodSeconds/],
    ["in-release NATS without the real chart", "nats:\n  enabled: true\n", /run `helm dependency build/],
  ];

  it.each(bad)("behavior: %s is refused with a message naming it", (_what, yaml, message) => {
    const file = join(dir, `${_what.replace(/\W+/g, "-")}.yaml`);
    writeFileSync(file, yaml);
    const r = chart.helm("template", "bw", chart.dir, ...chart.required, "-f", file);
    expect(r.status, r.stdout).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });
});

describe("Helm chart: values.schema.json agrees with the services' own schemas", () => {
  const schema = JSON.parse(readFileSync(join(chartSource, "values.schema.json"), "utf8"));
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addSchema(schema, "values");
  const evmCheck = ajv.compile({ $ref: "values#/definitions/evmChain" });
  const solanaCheck = ajv.compile({ $ref: "values#/definitions/solanaCluster" });
  const correlatorCheck = ajv.compile({ $ref: "values#/definitions/correlatorConfig" });
  const props = (def: string) => Object.keys(schema.definitions[def].properties).sort();

  it("behavior: the chain file, correlator config and env names are the services' (minus what the chart sets)", () => {
    expect(props("evmChain")).toEqual(
      Object.keys(evmChainSchema.shape)
        .filter((k) => k !== "rpc")
        .sort(),
    );
    expect(props("solanaCluster")).toEqual(
      Object.keys(solanaClusterSchema.shape)
        .filter((k) => k !== "rpc")
        .sort(),
    );
    const managed = [
      ...Object.keys(natsFields),
      "httpHost",
      "httpPort",
      "grpcHost",
      "grpcPort",
      "logLevel",
      "tlsCertFile",
      "tlsKeyFile",
      "tlsCaFile",
      "httpTokensFile",
    ];
    expect(props("correlatorConfig")).toEqual(
      Object.keys(correlatorConfigSchema.shape)
        .filter((k) => !managed.includes(k))
        .sort(),
    );
    const watcherEnv = schema.definitions.chain.properties.env.propertyNames.enum as string[];
    const watcherManaged = [
      "BW_CHAIN",
      ...Object.keys(NATS_ENV),
      "BW_HTTP_HOST",
      "BW_HTTP_PORT",
      "BW_LOG_LEVEL",
      "BW_DRIVER",
    ];
    const watcherFiles = [
      "BW_SIM_SCENARIO",
      "BW_EVM_CONFIG",
      "BW_EVM_RPC_URLS",
      "BW_EVM_WS_URLS",
      "BW_SOLANA_CONFIG",
      "BW_SOLANA_RPC_URLS",
    ];
    expect([...watcherEnv, ...watcherManaged, ...watcherFiles].sort()).toEqual(
      Object.keys(WATCHER_ENV).sort(),
    );
    const coordinatorEnv = schema.properties.coordinator.properties.env.propertyNames.enum as string[];
    const coordinatorManaged = [
      ...Object.keys(NATS_ENV),
      "BW_LOG_LEVEL",
      "BW_GRPC_HOST",
      "BW_GRPC_PORT",
      "BW_HTTP_HOST",
      "BW_HTTP_PORT",
      "BW_POLICY_FILE",
      "BW_SIGNING_KEY",
      "BW_SIGNING_KEY_FILE",
      "BW_SIGNING_KEY_ID",
      "BW_REPLICA_ID",
      "BW_TLS_CERT_FILE",
      "BW_TLS_KEY_FILE",
      "BW_TLS_CA_FILE",
      "BW_VENUES_FILE",
      "BW_DEVELOPMENT_SIGNING_KEY",
      "BW_HTTP_TOKENS_FILE",
    ];
    expect([...coordinatorEnv, ...coordinatorManaged].sort()).toEqual(Object.keys(COORDINATOR_ENV).sort());
  });

  const address = "0x00000000000000000000000000000000000000aa";
  const evmCases: unknown[] = [
    { chainId: 1 },
    { chainId: 0 },
    { chainId: 1, confirmations: 1001 },
    { chainId: 1, startBlock: "latest" },
    { chainId: 1, startBlock: "earliest" },
    { chainId: 1, windowBlocks: 4 },
    { chainId: 1, windowBlocks: 3 },
    { chainId: 1, pollMs: 0 },
    { chainId: 1, typo: true },
    { chainId: 1, adapters: [{ kind: "perp-venue", venueId: "v", address }] },
    { chainId: 1, adapters: [{ kind: "perp-venue", venueId: "v", address: "0x12" }] },
    { chainId: 1, adapters: [{ kind: "perp-venue", venueId: "bad id", address }] },
    {
      chainId: 1,
      adapters: [{ kind: "chainlink", address, asset: "ETH", pair: "ETH/USD", heartbeatSeconds: 60 }],
    },
    {
      chainId: 1,
      adapters: [{ kind: "chainlink", address, asset: "ETH", pair: "ETH/USD", heartbeatSeconds: 0 }],
    },
    { chainId: 1, adapters: [{ kind: "sequencer-uptime", address }] },
    { chainId: 1, adapters: [{ kind: "sequencer-uptime", address, extra: 1 }] },
    { chainId: 1, adapters: [{ kind: "aave-v3", venueId: "a", address, reserves: {} }] },
    {
      chainId: 1,
      adapters: [
        {
          kind: "aave-v3",
          venueId: "a",
          address,
          reserves: { [address]: { symbol: "ETH", decimals: 18, aToken: address, debtToken: address } },
        },
      ],
    },
    { chainId: 1, adapters: [{ kind: "aave-v3", venueId: "a", address, reserves: { notAnAddress: {} } }] },
    {
      chainId: 1,
      adapters: [{ kind: "chainlink", proxy: address, asset: "ETH", pair: "ETH/USD", heartbeatSeconds: 60 }],
    },
    { chainId: 1, adapters: [{ kind: "chainlink", asset: "ETH", pair: "ETH/USD", heartbeatSeconds: 60 }] },
    {
      chainId: 1,
      adapters: [
        {
          kind: "gmx-v2",
          venueId: "gmx",
          address,
          markets: {
            [address]: { name: "ETH/USD", asset: "ETH", indexDecimals: 18, minCollateralFactor: 0.01 },
          },
          collateralTokens: { [address]: { symbol: "USDC", decimals: 6 } },
        },
      ],
    },
    {
      chainId: 1,
      adapters: [
        {
          kind: "gmx-v2",
          venueId: "gmx",
          address,
          markets: { [address]: { name: "ETH/USD" } },
          collateralTokens: {},
        },
      ],
    },
    { chainId: 1, adapters: [{ kind: "uniswap", address }] },
  ];

  it("behavior: an EVM chain file is accepted by the chart exactly when the watcher accepts it", () => {
    for (const c of evmCases)
      expect(evmCheck(c), JSON.stringify(c)).toBe(evmChainSchema.safeParse(c).success);
  });

  const pubkey = "dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH";
  const feed = "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d";
  const u8 = { offset: 8, type: "u8" };
  const solanaCases: unknown[] = [
    { cluster: "mainnet-beta" },
    {},
    { cluster: "c", commitment: "finalized" },
    { cluster: "c", commitment: "processed" },
    { cluster: "c", windowSlots: 3 },
    { cluster: "c", pollMs: 0 },
    { cluster: "c", typo: 1 },
    { cluster: "c", adapters: [{ kind: "pyth", feeds: { [feed]: { asset: "SOL" } } }] },
    { cluster: "c", adapters: [{ kind: "pyth", feeds: { abc: { asset: "SOL" } } }] },
    { cluster: "c", adapters: [{ kind: "pyth", feeds: {}, maxConfidenceRatio: 2 }] },
    { cluster: "c", adapters: [{ kind: "drift", venueId: "drift" }] },
    { cluster: "c", adapters: [{ kind: "drift", venueId: "drift", programId: "not base58!" }] },
    { cluster: "c", adapters: [{ kind: "drift", venueId: "drift", perpAssets: { x: "SOL" } }] },
    { cluster: "c", adapters: [{ kind: "drift" }] },
    {
      cluster: "c",
      adapters: [
        {
          kind: "fixed-layout",
          name: "v",
          venueId: "v",
          programId: pubkey,
          dataSize: 64,
          price: { asset: { value: "SOL" }, price: { ...u8, decimals: 2 } },
        },
      ],
    },
    {
      cluster: "c",
      adapters: [{ kind: "fixed-layout", name: "v", venueId: "v", programId: pubkey, dataSize: 64 }],
    },
    {
      cluster: "c",
      adapters: [
        {
          kind: "fixed-layout",
          name: "v",
          venueId: "v",
          programId: pubkey,
          dataSize: 64,
          price: { asset: { value: "SOL" }, price: { ...u8, type: "f32" } },
        },
      ],
    },
    { cluster: "c", adapters: [{ kind: "serum" }] },
  ];

  it("behavior: a Solana cluster file is accepted by the chart exactly when the watcher accepts it", () => {
    for (const c of solanaCases)
      expect(solanaCheck(c), JSON.stringify(c)).toBe(solanaClusterSchema.safeParse(c).success);
  });

  it("behavior: a correlator config is accepted by the chart exactly when the correlator accepts it", () => {
    const cases: unknown[] = [
      {},
      { entityMap: { "ethereum:0xabc": "fund-a" } },
      { entityMap: { a: "" } },
      { depth: { ETH: { notionalPer1Pct: 1e6 } } },
      { depth: { ETH: { notionalPer1Pct: 1e6, exponent: 3 } } },
      { depth: { ETH: {} } },
      { ewmaLambda: 1 },
      { ewmaLambda: 0.9 },
      { maxRevisions: 65 },
      { insuranceFunds: { v: -1 } },
      { amountBounds: { ETH: { maxPrice: 1e6 } } },
      { amountBounds: { ETH: { maxPrice: 1e6, min: 1 } } },
      { staleAfterMs: 0 },
      { priceMaxAgeMs: 60_000 },
      { priceMaxAgeMs: 0 },
      { venueDepth: { "gmx-lab": { ETH: { notionalPer1Pct: 1e6 } } } },
      { venueDepth: { "gmx-lab": { ETH: { notionalPer1Pct: 1e6, exponent: 3 } } } },
      { venueDepth: { "gmx-lab": { ETH: {} } } },
      { correlationMinSamples: 1 },
      { correlationMinSamples: 30 },
    ];
    for (const c of cases)
      expect(correlatorCheck(c), JSON.stringify(c)).toBe(
        correlatorConfigSchema.safeParse({ ...CHART_TLS_FILES, ...(c as object) }).success,
      );
  });

  it("behavior: the files every CI values file renders are files the services accept", () => {
    for (const [file, objects] of rendered) {
      for (const cm of byKind(objects, "ConfigMap")) {
        const data = cm.data ?? {};
        if (data["chain.json"]) {
          // the watcher reads its chain file with a YAML parser
          const parsed = evmChainSchema.safeParse(parseYaml(data["chain.json"]));
          expect(parsed.success, `${file}: ${cm.metadata.name} ${JSON.stringify(parsed.error?.issues)}`).toBe(
            true,
          );
        }
        if (data["cluster.json"]) {
          const parsed = solanaClusterSchema.safeParse(parseYaml(data["cluster.json"]));
          expect(parsed.success, `${file}: ${cm.metadata.name} ${JSON.stringify(parsed.error?.issues)}`).toBe(
            true,
          );
        }
        if (data["correlator.json"])
          expect(
            correlatorConfigSchema.safeParse({ ...CHART_TLS_FILES, ...JSON.parse(data["correlator.json"]) })
              .success,
            file,
          ).toBe(true);
        if (data["policy.yaml"]) expect(parsePolicy(data["policy.yaml"]).ok, file).toBe(true);
      }
    }
  });
});

describe("deploy/chart.sh", () => {
  it("behavior: render writes one sorted file per object, for diffs between two renders", () => {
    const out = mkdtempSync(join(tmpdir(), "bw-render-"));
    try {
      execFileSync(join(root, "deploy/chart.sh"), ["render", "-e", "staging", out], {
        stdio: "pipe",
        timeout: 120_000,
      });
      const files = readdirSync(out);
      expect(files).toContain("Deployment.breakwater-watcher-sepolia.yaml");
      expect(files).toContain("NetworkPolicy.breakwater-watcher-arbitrum-sepolia.yaml");
      const text = readFileSync(join(out, "Deployment.breakwater-coordinator.yaml"), "utf8");
      expect(text.indexOf("apiVersion:")).toBeLessThan(text.indexOf("kind:"));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 150_000);
});

describe("Helm chart: NOTES", () => {
  it("behavior: tells the SRE what was installed, which Secrets it reads and how to check it", () => {
    const r = chart.helm("install", "bw", chart.dir, "--dry-run=client", ...ciFile(chart, "tls-values.yaml"));
    expect(r.status, r.stderr).toBe(0);
    const notes = r.stdout.slice(r.stdout.indexOf("NOTES:"));
    expect(notes).toContain("watcher of chain base (evm)");
    expect(notes).toContain("breakwater-rpc-base (key urls)");
    expect(notes).toContain("helm -n default test bw");
    expect(notes).not.toContain("WARNING");
    const minimal = chart.helm(
      "install",
      "bw",
      chart.dir,
      "--dry-run=client",
      ...ciFile(chart, "minimal-values.yaml"),
    );
    expect(minimal.stdout).toContain(
      "WARNING: coordinator.signing.existingSecret is empty and developmentKey is true",
    );
  });
});
