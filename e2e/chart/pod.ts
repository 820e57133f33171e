// Runs a rendered Deployment's container as a local process, the way the kubelet would: the image's
// environment, then the container's env (secretKeyRef and fieldRef resolved, $(VAR) expanded in
// order), its args, and its volumes written under a temporary root at their mount paths. Only what
// a pod has and a process here does not is changed, each in one named place: the pod's own network
// (hosts bind 127.0.0.1, ports are free ones), its own filesystem (mount paths live under the
// root), and where NATS and the RPC endpoints are (the test's own servers).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { freePort } from "@breakwater/testkit";
import type { K8sObject } from "./helm.js";
import { root } from "./helm.js";

/** Secrets the SRE would have created: name → key → value. */
export type Secrets = Record<string, Record<string, string>>;

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field
type Any = any;

/** The image's ENV (final stage of deploy/Dockerfile), its WORKDIR standing for the repository. */
function imageEnv(): { env: Record<string, string>; workdir: string } {
  const text = readFileSync(join(root, "deploy/Dockerfile"), "utf8");
  const finalStage = text.slice(text.lastIndexOf("\nFROM "));
  const workdir = /\nWORKDIR (\S+)/.exec(finalStage)?.[1] ?? "/";
  const env: Record<string, string> = {};
  for (const m of finalStage.matchAll(/\nENV (\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
  return { env, workdir };
}

export interface PodProcess {
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
  /** HTTP port the container's `http` port maps to here. */
  readonly httpPort: number;
  /** The readiness probe's path. */
  readonly readinessPath: string;
  output(): string;
  exited(): number | null;
  stop(): Promise<void>;
}

export interface PodOptions {
  readonly deployment: K8sObject;
  readonly objects: K8sObject[];
  readonly secrets: Secrets;
  /** Folder standing for the pod's filesystem. */
  readonly fsRoot: string;
  /** Where the test's NATS listens (replaces each server's host:port in BW_NATS_URL). */
  readonly natsHostPort: string;
  /** Where the test's Kafka brokers listen (replaces BW_KAFKA_BROKERS). */
  readonly kafkaBrokers?: string;
}

/** Starts the Deployment's first container as a process. */
export async function startPod(opts: PodOptions): Promise<PodProcess> {
  const { deployment, objects, secrets } = opts;
  const spec = deployment.spec.template.spec as Any;
  const container = spec.containers[0] as Any;
  const podName = `${deployment.metadata.name}-0`;
  const fsRoot = join(opts.fsRoot, deployment.metadata.name);

  // volumes at their mount paths
  const mounts: { mountPath: string; local: string }[] = [];
  for (const m of container.volumeMounts ?? []) {
    const volume = spec.volumes.find((v: Any) => v.name === m.name);
    const local = join(fsRoot, m.mountPath);
    mkdirSync(local, { recursive: true });
    mounts.push({ mountPath: m.mountPath, local });
    let files: Record<string, string> = {};
    if (volume.configMap) {
      const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === volume.configMap.name);
      if (!cm) throw new Error(`${podName}: ConfigMap ${volume.configMap.name} is not rendered`);
      files = cm.data ?? {};
    } else if (volume.secret) {
      const secret = secrets[volume.secret.secretName];
      if (!secret) throw new Error(`${podName}: Secret ${volume.secret.secretName} does not exist`);
      files = secret;
    } else if (!volume.emptyDir) throw new Error(`${podName}: volume ${m.name} of an unexpected kind`);
    const items: { key: string; path: string }[] | undefined =
      volume.configMap?.items ?? volume.secret?.items;
    for (const { key, path } of items ?? Object.keys(files).map((k) => ({ key: k, path: k }))) {
      if (files[key] === undefined) throw new Error(`${podName}: volume ${m.name} has no key ${key}`);
      mkdirSync(dirname(join(local, path)), { recursive: true });
      writeFileSync(join(local, path), files[key]!);
    }
  }
  const image = imageEnv();
  const onDisk = (value: string) => {
    const mount = mounts
      .filter((m) => value === m.mountPath || value.startsWith(`${m.mountPath}/`))
      .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    if (mount) return mount.local + value.slice(mount.mountPath.length);
    if (value.startsWith(`${image.workdir}/`)) return join(root, value.slice(image.workdir.length + 1));
    return value;
  };

  // the environment, as the kubelet builds it
  const env: Record<string, string> = { ...image.env };
  const expand = (value: string) =>
    value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = expand(String(e.value));
    else if (e.valueFrom?.secretKeyRef) {
      const { name, key } = e.valueFrom.secretKeyRef;
      const value = secrets[name]?.[key];
      if (value === undefined) throw new Error(`${podName}: env ${e.name}: Secret ${name} has no key ${key}`);
      env[e.name] = value;
    } else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[e.name] = podName;
    else throw new Error(`${podName}: env ${e.name}: unsupported source ${JSON.stringify(e.valueFrom)}`);
  }

  // what differs between a pod and a process on this machine
  const ports = new Map<string, number>();
  for (const p of container.ports ?? []) ports.set(String(p.containerPort), await freePort());
  for (const [name, value] of Object.entries(env)) {
    if (name.endsWith("_HOST") && value === "0.0.0.0") env[name] = "127.0.0.1";
    else if (name.endsWith("_PORT") && ports.has(value)) env[name] = String(ports.get(value));
    else env[name] = onDisk(value);
  }
  const nats = env["BW_NATS_URL"];
  if (nats)
    env["BW_NATS_URL"] = nats
      .split(",")
      .map((url) => {
        const m = /^(\w+:\/\/)(.*@)?[^@]+$/.exec(url);
        if (!m) throw new Error(`${podName}: BW_NATS_URL entry ${url} is not scheme://[credentials@]host`);
        return `${m[1]}${m[2] ?? ""}${opts.natsHostPort}`;
      })
      .join(",");

  if (env["BW_KAFKA_BROKERS"] && opts.kafkaBrokers) env["BW_KAFKA_BROKERS"] = opts.kafkaBrokers;

  const httpPort = container.ports.find((p: Any) => p.name === "http");
  const args = [...container.args] as string[];
  const bundle = /^dist\/([a-z-]+)\/main\.mjs$/.exec(args[0] ?? "");
  if (!bundle) throw new Error(`${podName}: unexpected entry ${args[0]}`);
  // the image runs the bundle of the service's entry point; here the entry point itself runs
  args[0] = `services/${bundle[1]}/src/main.ts`;
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", ...args], {
    cwd: root,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: fsRoot, TMPDIR: onDisk("/tmp"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const onData = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    name: deployment.metadata.name,
    env,
    httpPort: ports.get(String(httpPort.containerPort))!,
    readinessPath: container.readinessProbe.httpGet.path,
    output: () => out,
    exited: () => child.exitCode,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill("SIGKILL"), 8_000);
      child.kill("SIGTERM");
      await exit;
      clearTimeout(timer);
    },
  };
}
