import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitForPort } from "./ports.js";

/** Where the nats-server binary is: $NATS_SERVER_BIN, then PATH, then Debian's location. */
export function natsServerBinary(): string {
  const fromEnv = process.env["NATS_SERVER_BIN"];
  if (fromEnv) return fromEnv;
  for (const dir of (process.env["PATH"] ?? "").split(":")) {
    const candidate = join(dir, "nats-server");
    if (dir && existsSync(candidate)) return candidate;
  }
  if (existsSync("/usr/sbin/nats-server")) return "/usr/sbin/nats-server";
  throw new Error(
    "nats-server not found: run `make deps` (installs Debian's nats-server) or set NATS_SERVER_BIN",
  );
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** Stops the server (SIGTERM, then SIGKILL) and keeps its store. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same store. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP) for `ms`, then lets it go on (SIGCONT): a long GC pause or a hung host. */
  pause(ms: number): Promise<void>;
  /** Stops the server and removes its store. */
  dispose(): Promise<void>;
}

/**
 * Starts a private nats-server with JetStream on a free loopback port and a
 * temporary store. Never touches a server someone else runs.
 */
export async function startNats(
  opts: {
    storeDir?: string;
    /** More nats-server flags (authorization, TLS). */
    args?: readonly string[];
    /**
     * A config file's text (an authorization block, TLS): written beside the
     * store and passed with `-c`; the flags above (address, port, JetStream,
     * store) still apply.
     */
    config?: string;
    /** Port to listen on (default: a free one). */
    port?: number;
  } = {},
): Promise<NatsServer> {
  const port = opts.port ?? (await freePort());
  const storeDir = opts.storeDir ?? mkdtempSync(join(tmpdir(), "bw-nats-"));
  const bin = natsServerBinary();
  const configArgs: string[] = [];
  if (opts.config !== undefined) {
    mkdirSync(storeDir, { recursive: true });
    const file = join(storeDir, "nats-server.conf");
    writeFileSync(file, opts.config, { mode: 0o600 });
    configArgs.push("-c", file);
  }
  let child: ChildProcess | undefined;

  const launch = async () => {
    child = spawn(
      bin,
      [...configArgs, "-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir, ...(opts.args ?? [])],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    try {
      await waitForPort(port, 10_000);
    } catch (err) {
      child.kill("SIGKILL");
      throw new Error(`nats-server did not start on port ${port}: ${stderr}`, { cause: err });
    }
  };
  const halt = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => c.kill("SIGKILL"), 5_000);
      c.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      c.kill("SIGTERM");
    });
  };

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop: halt,
    restart: launch,
    async pause(ms) {
      const c = child;
      if (!c || c.exitCode !== null) throw new Error("nats-server is not running");
      c.kill("SIGSTOP");
      try {
        await new Promise((r) => setTimeout(r, ms));
      } finally {
        c.kill("SIGCONT");
      }
    },
    async dispose() {
      await halt();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** A test CA, a server certificate for 127.0.0.1 and a client certificate it signed (files in `dir`). */
export interface NatsTlsFiles {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A config block for startNats({ config }): TLS required, client certificates verified. */
  readonly serverConfig: string;
}

/** Makes NatsTlsFiles with Debian's openssl (P-256 keys, valid two days). */
export function natsTlsFiles(dir: string): NatsTlsFiles {
  mkdirSync(dir, { recursive: true });
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=bw-test-nats-ca",
  );
  const issue = (name: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=bw-test-${name}`);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    );
  };
  issue("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  issue("client", "extendedKeyUsage=clientAuth\n");
  const f = (name: string) => join(dir, name);
  return {
    ca: f("ca.crt"),
    serverCert: f("server.crt"),
    serverKey: f("server.key"),
    clientCert: f("client.crt"),
    clientKey: f("client.key"),
    serverConfig: `tls {\n  cert_file: ${JSON.stringify(f("server.crt"))}\n  key_file: ${JSON.stringify(f("server.key"))}\n  ca_file: ${JSON.stringify(f("ca.crt"))}\n  verify: true\n}\n`,
  };
}
