import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** Where kcat is: $KCAT_BIN, then PATH, then Debian's location. */
export function kcatBinary(): string {
  const fromEnv = process.env["KCAT_BIN"];
  if (fromEnv) return fromEnv;
  for (const dir of (process.env["PATH"] ?? "").split(":")) {
    const candidate = join(dir, "kcat");
    if (dir && existsSync(candidate)) return candidate;
  }
  if (existsSync("/usr/bin/kcat")) return "/usr/bin/kcat";
  throw new Error("kcat not found: run `make deps` (installs Debian's kcat) or set KCAT_BIN");
}

/** One record as kcat read it back. */
export interface KcatRecord {
  readonly partition: number;
  readonly offset: number;
  /** The record's timestamp (ms). */
  readonly timestamp: number;
  /** null when the record has no key. */
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: string;
}

export interface KafkaMock {
  /** host:port,host:port,… of the mock's brokers (loopback). */
  readonly bootstrapServers: string;
  /** Every record of `topic` from the beginning, read by kcat (an independent client); [] for a topic not yet there. */
  readAll(topic: string, timeoutMs?: number): Promise<KcatRecord[]>;
  stop(): Promise<void>;
}

const FIELD = "\u001f";
const RECORD = "\u001e";

/**
 * Starts librdkafka's mock cluster (a Kafka-protocol broker inside
 * librdkafka) through kcat on loopback: it serves until kcat exits. Reads the
 * bootstrap servers from kcat's debug log, within `timeoutMs`.
 */
export async function startKafkaMock(
  opts: { brokers?: number; timeoutMs?: number } = {},
): Promise<KafkaMock> {
  const bin = kcatBinary();
  const child: ChildProcess = spawn(
    bin,
    [
      "-C",
      "-t",
      "bw-mock-idle",
      "-b",
      "127.0.0.1:1",
      "-X",
      `test.mock.num.brokers=${opts.brokers ?? 3}`,
      "-d",
      "mock",
      "-q",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let log = "";
  const bootstrap = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `kcat mock cluster: no bootstrap.servers within ${opts.timeoutMs ?? 10_000}ms: ${log.slice(-2000)}`,
        ),
      );
    }, opts.timeoutMs ?? 10_000);
    child.stderr?.on("data", (d: Buffer) => {
      // the debug log holds binary bytes: read it as latin1 and keep a tail
      log = (log + d.toString("latin1")).slice(-20_000);
      const found = /bootstrap\.servers=((?:127\.0\.0\.1:\d+,?)+)/.exec(log);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!.replace(/,$/, ""));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`kcat mock cluster exited with ${code}: ${log.slice(-2000)}`));
    });
  });
  // after start-up only a tail of the log is kept, so it cannot grow
  child.stderr?.removeAllListeners("data");
  child.stderr?.resume();

  return {
    bootstrapServers: bootstrap,
    readAll: (topic, timeoutMs) => readTopic(bootstrap, topic, timeoutMs),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Every record of `topic` on the cluster at `brokers` from the beginning, read
 * by kcat (an independent client); [] for a topic not yet there. kcat's own
 * client settings (TLS, SASL) can be added with `-X` style `extra` arguments.
 */
export function readTopic(
  brokers: string,
  topic: string,
  timeoutMs = 15_000,
  extra: readonly string[] = [],
): Promise<KcatRecord[]> {
  return new Promise((resolve, reject) => {
    execFile(
      kcatBinary(),
      [
        "-C",
        "-b",
        brokers,
        "-t",
        topic,
        "-o",
        "beginning",
        "-e",
        "-q",
        ...extra,
        "-f",
        `%p${FIELD}%o${FIELD}%T${FIELD}%K${FIELD}%k${FIELD}%h${FIELD}%s${RECORD}`,
      ],
      { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err) {
          if (/Unknown topic|UNKNOWN_TOPIC/i.test(`${stderr}${err.message}`)) return resolve([]);
          return reject(new Error(`kcat -C -t ${topic}: ${err.message} ${stderr}`));
        }
        resolve(parseRecords(stdout));
      },
    );
  });
}

function parseRecords(text: string): KcatRecord[] {
  return text
    .split(RECORD)
    .filter((r) => r.length > 0)
    .map((r) => {
      const [partition, offset, timestamp, keyLength, key, headers, ...value] = r.split(FIELD);
      return {
        partition: Number(partition),
        offset: Number(offset),
        timestamp: Number(timestamp),
        key: keyLength === "-1" ? null : (key ?? ""),
        headers: Object.fromEntries(
          (headers ?? "")
            .split(",")
            .filter((h) => h.includes("="))
            .map((h) => [h.slice(0, h.indexOf("=")), h.slice(h.indexOf("=") + 1)]),
        ),
        value: value.join(FIELD),
      };
    });
}
