import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { natsServerBinary } from "@breakwater/testkit";
import { afterAll, describe, expect, it } from "vitest";

// scripts/nats-auth.ts as an operator runs it.
describe("scripts/nats-auth.ts", () => {
  const dir = mkdtempSync(join(tmpdir(), "bw-nats-auth-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "scripts/nats-auth.ts", ...args], { encoding: "utf8" });

  it("default: writes a private seed per identity and a config nats-server accepts; a re-run keeps the seeds", () => {
    const first = run("--chains", "eth,arb", "--dir", dir);
    expect(first.status, first.stderr).toBe(0);
    for (const id of ["watcher-eth", "watcher-arb", "correlator", "coordinator", "kafka-exporter"]) {
      expect(first.stdout).toMatch(new RegExp(`^${id} +U[A-Z2-7]{55} `, "m"));
      expect(statSync(join(dir, `${id}.nk`)).mode & 0o777).toBe(0o600);
    }
    const conf = join(dir, "authorization.conf");
    expect(readFileSync(conf, "utf8")).not.toMatch(/"SU/); // public keys only
    // nats-server's own check of the config file
    execFileSync(natsServerBinary(), ["-t", "-c", conf], { stdio: "pipe" });
    const seed = readFileSync(join(dir, "coordinator.nk"), "utf8");
    expect(run("--chains", "eth,arb,base", "--dir", dir).status).toBe(0);
    expect(readFileSync(join(dir, "coordinator.nk"), "utf8")).toBe(seed);
    expect(readFileSync(conf, "utf8")).toContain('"bw.chain.base.position"');
  });

  it("behavior: a bad chain id or a missing argument exits 2 with the usage", () => {
    const bad = run("--chains", "Eth", "--dir", dir);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/not chain ids.*Eth/);
    expect(run("--chains", "eth").stderr).toMatch(/usage: nats-auth/);
  });
});
