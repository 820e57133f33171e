import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parsePolicy } from "@breakwater/coordinator";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

const root = fileURLToPath(new URL("..", import.meta.url));
const chart = `${root}charts/breakwater`;
const helm = (...args: string[]) =>
  spawnSync(`${root}scripts/helm.sh`, args, { encoding: "utf8", cwd: root });

interface K8sObject {
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
  spec: Record<string, unknown> & {
    replicas?: number;
    template?: {
      spec: {
        containers: { args: string[]; env: { name: string; value: string }[]; readinessProbe: unknown }[];
      };
    };
  };
}

function render(...values: string[]): K8sObject[] {
  const out = execFileSync(
    `${root}scripts/helm.sh`,
    ["template", "bw", chart, ...values.flatMap((v) => ["-f", v])],
    {
      encoding: "utf8",
      cwd: root,
    },
  );
  return parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject)
    .filter(Boolean);
}

describe("Helm chart (real helm lint and template, offline)", () => {
  beforeAll(() => {
    // fetches and caches the pinned helm binary on first use
    const v = helm("version", "--short");
    expect(v.status, v.stderr).toBe(0);
  }, 120_000);

  it("default: lints clean with the default and the CI values", () => {
    for (const extra of [[], ["-f", `${chart}/ci/evm-values.yaml`]]) {
      const r = helm("lint", "--strict", chart, ...extra);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }
  });

  it("behavior: one watcher Deployment per chain, each pinned to its chain and probed", () => {
    const objects = render(`${chart}/ci/evm-values.yaml`);
    const watchers = objects.filter((o) => o.kind === "Deployment" && o.metadata.name.includes("-watcher-"));
    expect(watchers.map((w) => w.metadata.labels["breakwater.io/chain"])).toEqual([
      "ethereum",
      "arbitrum",
      "solana",
    ]);
    for (const w of watchers) {
      expect(w.spec.replicas).toBe(1);
      const c = w.spec.template!.spec.containers[0]!;
      expect(c.args).toContain(w.metadata.labels["breakwater.io/chain"]);
      expect(c.readinessProbe).toBeTruthy();
    }
    const coordinator = objects.find(
      (o) => o.kind === "Deployment" && o.metadata.name === "bw-breakwater-coordinator",
    );
    expect(coordinator?.spec.replicas).toBe(3);
    expect(objects.some((o) => o.kind === "PodDisruptionBudget")).toBe(true);
    expect(objects.some((o) => o.kind === "PodMonitor")).toBe(true);
    // the policy shipped in the ConfigMap is one the coordinator accepts
    const configMap = objects.find((o) => o.kind === "ConfigMap") as unknown as {
      data: Record<string, string>;
    };
    const parsed = parsePolicy(configMap.data["policy.yaml"]!);
    expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
  });

  it("behavior: a duplicated chain and unknown values are refused with a clear message", () => {
    const dir = mkdtempSync(join(tmpdir(), "bw-chart-"));
    writeFileSync(`${dir}/dup.yaml`, "watchers:\n  - chain: sim-a\n  - chain: sim-a\n");
    const dup = helm("template", "bw", chart, "-f", `${dir}/dup.yaml`);
    expect(dup.status).not.toBe(0);
    expect(dup.stderr).toMatch(/chain "sim-a" is listed twice/);
    writeFileSync(`${dir}/typo.yaml`, "coordinatr:\n  replicas: 2\n");
    const typo = helm("template", "bw", chart, "-f", `${dir}/typo.yaml`);
    expect(typo.status).not.toBe(0);
    expect(typo.stderr).toMatch(/coordinatr/);
    rmSync(dir, { recursive: true, force: true });
  });
});
