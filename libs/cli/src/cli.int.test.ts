// The real `breakwater` binary, spawned as npm links it; no service runs here, so every
// address is a free loopback port nobody listens on.
import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { keyIdOf, parsePrivateKey, rawPublicKey } from "@breakwater/core";
import { Signal } from "@breakwater/proto";
import { createTestPki, freePort, type TestPki } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haltSignal } from "./test-fixtures.js";
import { BREAKWATER_BIN, runCli, startCli } from "./testing.js";

const COMMANDS = [
  [],
  ["exposure"],
  ["ladder"],
  ["stress"],
  ["signals"],
  ["signals", "tail"],
  ["signals", "verify"],
  ["venues"],
  ["keys"],
  ["keys", "generate"],
  ["keys", "list"],
  ["signal"],
  ["signal", "halt"],
  ["signal", "resume"],
  ["signal", "margin"],
  ["signal", "advisory"],
  ["signal", "approve"],
  ["signal", "pending"],
  ["export"],
];

/** Runs at most `n` at a time (each CLI run is a node process; the machine is shared). */
async function limited<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

describe("the breakwater binary, without services", () => {
  let dir: string;
  let port: number;
  let pki: TestPki;
  /** perp-a's TLS files as flags (the coordinator accepts only mutual TLS). */
  const tls = () => {
    const t = pki.venueTls("perp-a");
    return ["--tls-cert", t.certFile, "--tls-key", t.keyFile, "--tls-ca", t.caFile];
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "bw-cli-"));
    port = await freePort();
    pki = await createTestPki(["perp-a"]);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    pki?.dispose();
  });

  it("is the bin npm links for the workspace (what `npx breakwater` runs)", () => {
    expect(lstatSync(BREAKWATER_BIN).isSymbolicLink()).toBe(true);
    expect(realpathSync(BREAKWATER_BIN)).toBe(
      fileURLToPath(new URL("../bin/breakwater.mjs", import.meta.url)),
    );
  });

  it("--help on every command and subcommand prints its usage and exits 0", async () => {
    const results = await limited(COMMANDS, 3, (cmd) => runCli([...cmd, "--help"]));
    results.forEach((r, i) => {
      const cmd = COMMANDS[i]!;
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 0 });
      expect(r.stdout).toContain(`Usage: breakwater ${cmd.join(" ")}`.trimEnd());
    });
    expect(results[0]!.stdout).toMatch(
      /Exit codes: 0 ok; 1 failure .* 2 usage error; 3 a service is unreachable/s,
    );
    expect(results[5]!.stdout).toContain("--keys-file <path>");
    expect(results[3]!.stdout).toContain("--shock <asset=move>");
  }, 120_000);

  it("a bad flag, a bad value, a missing option or no command: exit 2 with the command's usage", async () => {
    const cases = [
      { args: ["exposure", "--bogus"], message: "unknown option '--bogus'", usage: "breakwater exposure" },
      {
        args: ["ladder", "--step-bps", "x"],
        message: "--step-bps <bps>' argument 'x' is invalid",
        usage: "breakwater ladder",
      },
      {
        args: ["signals", "tail", "--key", "a=b"],
        message: "required option '--venue <venue>'",
        usage: "breakwater signals tail",
      },
      {
        args: ["stress", "--shock", "ETH"],
        message: '--shock: "ETH" is not ASSET=MOVE',
        usage: "breakwater stress",
      },
      {
        args: ["signals", "verify", "--key", "k=notakey"],
        message: "--key k: cannot read the public key",
        usage: "breakwater signals verify",
      },
      {
        args: ["signals", "verify"],
        message: "give the signing keys to pin",
        usage: "breakwater signals verify",
      },
      {
        args: ["exposure", "--correlator", "ftp://x"],
        message: "must be an http:// or https:// URL",
        usage: "breakwater exposure",
      },
      {
        args: ["keys", "list", "--tls-cert", "c.pem"],
        message: "the coordinator accepts only mutual TLS: give --tls-key, --tls-ca",
        usage: "breakwater keys list",
      },
      {
        args: ["export", "--from", "yesterday", "--out", "x"],
        message: '--from: "yesterday" is not an RFC 3339 time',
        usage: "breakwater export",
      },
      {
        args: ["export", "--from", "2026-12-04T10:00:00Z", "--to", "2026-12-04T09:00:00Z", "--out", "x"],
        message: "--to: must be after --from",
        usage: "breakwater export",
      },
      {
        args: ["export", "--from", "2026-12-04T10:00:00Z", "--format", "xls", "--out", "x"],
        message: "Allowed choices are csv, jsonl, parquet",
        usage: "breakwater export",
      },
      { args: ["nonsense"], message: "unknown command 'nonsense'", usage: "breakwater" },
      { args: [], message: "", usage: "breakwater" },
    ];
    const results = await limited(cases, 3, (c) => runCli(c.args));
    results.forEach((r, i) => {
      const c = cases[i]!;
      expect({ args: c.args, code: r.code }).toEqual({ args: c.args, code: 2 });
      expect(r.stderr).toContain(c.message);
      expect(r.stderr).toContain(`Usage: ${c.usage}`);
      expect(r.stdout).toBe("");
    });
  }, 120_000);

  it("an unreachable service: exit 3 naming the service and its address, from flags or the environment", async () => {
    const http = `http://127.0.0.1:${port}`;
    const grpc = `127.0.0.1:${port}`;
    const key = ["--key", `k=${Buffer.alloc(32, 1).toString("base64")}`];
    const cases = [
      { args: ["exposure", "--correlator", http], message: `cannot reach the correlator at ${http}` },
      {
        args: ["ladder"],
        env: { BREAKWATER_CORRELATOR: http },
        message: `cannot reach the correlator at ${http}`,
      },
      {
        args: ["stress", "--shock", "ETH=-0.1", "--correlator", http],
        message: `cannot reach the correlator at ${http}`,
      },
      {
        args: [
          "export",
          "--from",
          "2026-12-04T10:00:00Z",
          "--out",
          join(dir, "export"),
          "--correlator",
          http,
        ],
        message: `cannot reach the correlator at ${http}`,
      },
      { args: ["venues", "--coordinator-http", http], message: `cannot reach the coordinator at ${http}` },
      {
        args: ["keys", "list", ...tls()],
        env: { BREAKWATER_COORDINATOR: grpc },
        message: `cannot reach the coordinator at ${grpc}`,
      },
      {
        args: ["signals", "verify", ...key, "--coordinator", grpc, ...tls()],
        message: `cannot reach the coordinator at ${grpc}`,
      },
      {
        args: ["signals", "verify", ...key, "--http", "--coordinator-http", http],
        message: `cannot reach the coordinator at ${http}`,
      },
      {
        args: ["signals", "tail", "--venue", "perp-a", ...key, "--coordinator", grpc, ...tls()],
        message: `cannot reach the coordinator at ${grpc}`,
      },
    ];
    const results = await limited(cases, 3, (c) => runCli(c.args, { env: c.env ?? {} }));
    results.forEach((r, i) => {
      const c = cases[i]!;
      expect({ args: c.args, code: r.code }).toEqual({ args: c.args, code: 3 });
      expect(r.stderr).toContain(`breakwater: ${c.message}`);
      expect(r.stderr).toMatch(/ECONNREFUSED|No connection established/);
    });
    // an export that could not finish leaves no file behind (not even a partial one)
    expect(readdirSync(join(dir, "export"))).toEqual([]);
  }, 120_000);

  it("a service that accepts connections but never answers: --timeout gives exit 3; Ctrl-C gives 130 at once", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const timedOut = await runCli(["venues", "--coordinator-http", url, "--timeout", "500"]);
      expect(timedOut.code).toBe(3);
      expect(timedOut.stderr).toContain(`breakwater: the coordinator at ${url} did not answer within 500 ms`);

      const waiting = startCli(["exposure", "--correlator", url, "--timeout", "60000"]);
      // the request is out once the server holds a connection
      await new Promise<void>((resolve) => silent.once("connection", () => resolve()));
      const started = Date.now();
      const r = await waiting.interrupt();
      expect(r.code).toBe(130);
      expect(Date.now() - started).toBeLessThan(5_000);

      // an export waiting on its first page: Ctrl-C abandons it and leaves no file
      const out = join(dir, "export-interrupted");
      const exporting = startCli([
        "export",
        "--from",
        "2026-12-04T10:00:00Z",
        "--out",
        out,
        "--correlator",
        url,
        "--timeout",
        "60000",
      ]);
      await new Promise<void>((resolve) => silent.once("connection", () => resolve()));
      const stoppedAt = Date.now();
      const e = await exporting.interrupt();
      expect({ code: e.code, stderr: e.stderr }).toMatchObject({
        code: 130,
        stderr: expect.stringContaining("interrupted"),
      });
      expect(Date.now() - stoppedAt).toBeLessThan(5_000);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 60_000);

  it("keys generate: a 0600 PKCS#8 Ed25519 PEM, the id the coordinator derives and the raw public key; never overwrites unasked", async () => {
    const out = join(dir, "signing.pem");
    const r = await runCli(["keys", "generate", "--out", out, "--json"]);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as { keyId: string; publicKey: string; privateKeyFile: string };
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const pem = readFileSync(out, "utf8");
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const key = parsePrivateKey(pem);
    expect(printed.keyId).toBe(keyIdOf(key));
    expect(printed.publicKey).toBe(rawPublicKey(key).toString("base64"));
    expect(printed.privateKeyFile).toBe(out);
    expect(r.stdout).not.toContain("PRIVATE KEY");

    const again = await runCli(["keys", "generate", "--out", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("exists (--force to overwrite it)");
    expect(readFileSync(out, "utf8")).toBe(pem);

    chmodSync(out, 0o644);
    const forced = await runCli(["keys", "generate", "--out", out, "--force"]);
    expect(forced.code).toBe(0);
    expect(readFileSync(out, "utf8")).not.toBe(pem);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(forced.stdout).toContain(`BW_SIGNING_KEY_FILE=${out}`);
  }, 60_000);

  it("signals verify --file: 0 when every signal verifies with the pinned key; a tampered or foreign one exits 1 naming its sequence", async () => {
    const keyFile = join(dir, "verify.pem");
    const gen = await runCli(["keys", "generate", "--out", keyFile, "--json"]);
    const { keyId, publicKey } = JSON.parse(gen.stdout) as { keyId: string; publicKey: string };
    const priv = parsePrivateKey(readFileSync(keyFile, "utf8"));
    const { signSignal } = await import("@breakwater/core");
    const signals = [1, 2, 3].map((n) => signSignal(haltSignal(n), priv, keyId));
    const lines = (list: Signal[]) =>
      `${list.map((s) => JSON.stringify({ verified: "ok", signal: Signal.toJSON(s) })).join("\n")}\n`;
    const good = join(dir, "good.jsonl");
    writeFileSync(good, lines(signals));
    const pin = ["--key", `${keyId}=${publicKey}`];

    const ok = await runCli(["signals", "verify", "--file", good, ...pin]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("3 checked (sequences 1-3): 3 verified, 0 failed");

    // the second signal's halt level edited: its signature no longer covers its content
    const tampered = join(dir, "tampered.jsonl");
    const edited = lines(signals)
      .trimEnd()
      .split("\n")
      .map((line, i) => {
        const entry = JSON.parse(line) as { signal: { circuitBreaker: { level: number } } };
        if (i === 1) entry.signal.circuitBreaker.level = 3;
        return JSON.stringify(entry);
      });
    writeFileSync(tampered, `${edited.join("\n")}\n`);
    const bad = await runCli(["signals", "verify", "--file", tampered, ...pin, "--json"]);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout) as {
      failed: number;
      failures: { sequence: number; reason: string }[];
    };
    expect(report.failed).toBe(1);
    expect(report.failures).toEqual([expect.objectContaining({ sequence: 2, reason: "bad_signature" })]);
    const human = await runCli(["signals", "verify", "--file", tampered, ...pin]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(
      /^\s*2\s+\S+tampered\.jsonl:line 2\s+circuit_breaker.*FAILED: bad_signature$/m,
    );
    expect(human.stdout).toContain("failed sequences: 2");

    const other = Buffer.from(rawPublicKey(parsePrivateKey(Buffer.alloc(32, 7).toString("base64")))).toString(
      "base64",
    );
    const foreign = await runCli(["signals", "verify", "--file", good, "--key", `ed25519:other=${other}`]);
    expect(foreign.code).toBe(1);
    expect(foreign.stdout).toContain("FAILED: unknown_key");

    const empty = join(dir, "empty.jsonl");
    writeFileSync(empty, "");
    const nothing = await runCli(["signals", "verify", "--file", empty, ...pin]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain("nothing to verify");

    const missing = await runCli(["signals", "verify", "--file", join(dir, "nope.jsonl"), ...pin]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--file: cannot read");
  }, 90_000);

  it("signal halt|resume|margin|advisory: without a reason exit 2; with one, an unreachable coordinator exits 3 naming it", async () => {
    const http = `http://127.0.0.1:${port}`;
    const noReason = await limited(["halt", "resume", "margin", "advisory"], 3, (a) =>
      runCli(["signal", a, "--asset", "ETH"]),
    );
    for (const r of noReason) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("required option '--reason <text>'");
    }
    const unreachable = await runCli([
      "signal",
      "halt",
      "--asset",
      "ETH",
      "--reason",
      "drill",
      "--coordinator-http",
      http,
      "--token",
      "t".repeat(20),
    ]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain(`cannot reach the coordinator at ${http}`);
    const noHalt = await runCli(["signal", "resume", "--reason", "drill", "--coordinator-http", http]);
    expect(noHalt.code).toBe(2);
    expect(noHalt.stderr).toContain("--halt: the sequence of the halt to resume");
  }, 60_000);
});
