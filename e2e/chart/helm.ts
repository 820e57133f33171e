// Real helm (scripts/helm.sh) on a staged copy of the chart: the optional NATS dependency is the
// offline stand-in (charts/nats-standin), since these machines cannot fetch charts.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const chartSource = join(root, "charts/breakwater");
const helmBin = join(root, "scripts/helm.sh");

/** The CI values files, every one of which must lint and render. */
export const ciValues = readdirSync(join(chartSource, "ci"))
  .filter((f) => f.endsWith("-values.yaml"))
  .sort();

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field in tests
  spec?: any;
  data?: Record<string, string>;
}

export interface HelmRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface StagedChart {
  readonly dir: string;
  /** `-f` arguments of {@link REQUIRED_VALUES_YAML}. */
  readonly required: readonly string[];
  helm(...args: string[]): HelmRun;
  /** `helm template` with the release name `bw`; throws with helm's message on failure. */
  render(...args: string[]): K8sObject[];
  dispose(): void;
}

/**
 * What every install must give (values.schema.json requires it): the
 * coordinator's TLS Secret, its venue registry and a signing key or the
 * development flag. A values file, so a later `-f` can still override it.
 */
export const REQUIRED_VALUES_YAML = `correlator:
  tls: { existingSecret: breakwater-coordinator-tls }
coordinator:
  tls: { existingSecret: breakwater-coordinator-tls }
  venues: [{ id: perp-a }]
  signing: { developmentKey: true }
`;

/** A copy of the chart with charts/nats-standin as its NATS dependency. */
export function stageChart(): StagedChart {
  const base = mkdtempSync(join(tmpdir(), "bw-chart-"));
  const dir = join(base, "breakwater");
  cpSync(chartSource, dir, { recursive: true });
  const required = join(base, "required-values.yaml");
  writeFileSync(required, REQUIRED_VALUES_YAML);
  mkdirSync(join(dir, "charts"), { recursive: true });
  cpSync(join(root, "charts/nats-standin"), join(dir, "charts/nats"), { recursive: true });
  const helm = (...args: string[]): HelmRun => {
    const r = spawnSync(helmBin, args, { encoding: "utf8", cwd: root });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return {
    dir,
    required: ["-f", required],
    helm,
    render(...args) {
      const out = execFileSync(helmBin, ["template", "bw", dir, ...args], {
        encoding: "utf8",
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
      });
      return parseAllDocuments(out)
        .map((d) => d.toJS() as K8sObject | null)
        .filter((o): o is K8sObject => o !== null);
    },
    dispose: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** Values file arguments for a CI values file name. */
export const ciFile = (chart: StagedChart, name: string): string[] => ["-f", join(chart.dir, "ci", name)];
