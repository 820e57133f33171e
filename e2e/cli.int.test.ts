// The real `breakwater` binary against real services: a private nats-server, the coordinator
// and the correlator as their own processes, fed the way watchers and the correlator feed them.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, codecs, connectBus, publish, subjects } from "@breakwater/bus";
import { BREAKWATER_BIN, type CliResult, runCli, startCli } from "@breakwater/cli/testing";
import { AckState, type GetSigningKeysResponse, HaltMode, type Signal, SignalKind } from "@breakwater/proto";
import { eventually, type NatsServer, sharedTestPkiNow, startNats } from "@breakwater/testkit";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CoordinatorProcess,
  httpSignals,
  processedUpTo,
  publishFall,
  rawClient,
  startCoordinatorProcess,
} from "../services/coordinator/src/test-helpers.js";
import {
  heartbeat,
  positionUpdate,
  priceTick,
  publishEvent,
  type RunningCorrelator,
  startCorrelator,
  T0,
} from "../services/correlator/src/test-harness.js";

/** Independent of the CLI's formatting code: en-US, two decimals. */
const money = (n: number) =>
  n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function expectExit(r: CliResult, code: number): void {
  if (r.code !== code)
    throw new Error(`exit ${r.code}, expected ${code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}

interface TailLine {
  verified: string;
  signal: Record<string, unknown> & { sequence: number; keyId: string; signature: string; kind: string };
}

describe("breakwater against the coordinator", () => {
  let nats: NatsServer;
  let bus: Bus;
  let dir: string;
  let coordinator: CoordinatorProcess;
  let client: ReturnType<typeof rawClient>;
  let generated: { keyId: string; publicKey: string };
  let keysFile: string;
  let tailed: string;
  const tlsFlags = (tls: { certFile: string; keyFile: string; caFile: string }) => [
    "--tls-cert",
    tls.certFile,
    "--tls-key",
    tls.keyFile,
    "--tls-ca",
    tls.caFile,
  ];
  /** The coordinator's gRPC address with an operator's certificate (reads the whole log). */
  const grpc = () => ["--coordinator", coordinator.grpc, ...tlsFlags(sharedTestPkiNow().operatorTls())];
  /** ... with perp-a's certificate: `signals tail` subscribes as that venue. */
  const grpcAsVenue = (venue = "perp-a") => [
    "--coordinator",
    coordinator.grpc,
    ...tlsFlags(sharedTestPkiNow().venueTls(venue)),
  ];
  const http = () => ["--coordinator-http", coordinator.http];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "bw-cli-e2e-"));
    // the coordinator signs with a key the CLI generated
    const pem = join(dir, "signing.pem");
    const gen = await runCli(["keys", "generate", "--out", pem, "--json"]);
    expectExit(gen, 0);
    const printed = JSON.parse(gen.stdout) as { keyId: string; publicKey: string };
    generated = { keyId: printed.keyId, publicKey: printed.publicKey };
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "cli-e2e" });
    coordinator = await startCoordinatorProcess(nats.url, {
      BW_SIGNING_KEY_FILE: pem,
      BW_SIGNAL_LEAD_MS: "300",
      BW_ACK_CHECK_INTERVAL_MS: "100",
    });
    client = rawClient(coordinator.grpc);
  }, 90_000);

  afterAll(async () => {
    client?.close();
    await coordinator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("keys generate: the coordinator reads the private key file and publishes the printed key id and public key", async () => {
    const published = await new Promise<GetSigningKeysResponse>((resolve, reject) =>
      client.getSigningKeys({}, (err, res) => (err ? reject(err) : resolve(res))),
    );
    expect(
      published.keys.map((k) => ({ keyId: k.keyId, publicKey: Buffer.from(k.publicKey).toString("base64") })),
    ).toEqual([generated]);
    expect(coordinator.proc.output()).not.toContain("no signing key configured");
    // what venues pin, taken from GetSigningKeys directly (not through the CLI)
    keysFile = join(dir, "keys.json");
    writeFileSync(
      keysFile,
      JSON.stringify({
        keys: published.keys.map((k) => ({
          keyId: k.keyId,
          publicKey: Buffer.from(k.publicKey).toString("base64"),
        })),
      }),
    );
    const listed = await runCli(["keys", "list", "--json", ...grpc()]);
    expectExit(listed, 0);
    expect(JSON.parse(listed.stdout)).toEqual({ keys: [{ ...generated, notBeforeMs: 0, notAfterMs: 0 }] });
  }, 60_000);

  it("signals tail --json: prints the halt the coordinator issues live, verified with its pinned key (and failed with another)", async () => {
    const stranger = Buffer.alloc(32, 9).toString("base64");
    const common = ["signals", "tail", "--venue", "perp-a", "--json", "--count", "1", ...grpcAsVenue()];
    const tail = startCli([...common, "--keys-file", keysFile]);
    // the same key id pinned to a public key that did not sign: every signal must fail
    const impostor = startCli([...common, "--key", `${generated.keyId}=${stranger}`]);
    const within = <T>(p: Promise<T>, what: string) =>
      Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(what)), 30_000))]);
    try {
      for (const t of [tail, impostor])
        await t.waitFor("stderr", /replay done at log sequence \d+; following live/, 30_000);
      // ETH falls 8% on perp-a and perp-b: the level-1 breaker halts both
      await processedUpTo(bus, await publishFall(bus, "ETH", ["perp-a", "perp-b"], 0.08));
      const [r, forged] = await within(Promise.all([tail.done, impostor.done]), "tail did not end");
      expectExit(r, 0);
      const lines = r.stdout.trim().split("\n");
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0]!) as TailLine;
      const log = await httpSignals(coordinator.http);
      const halt = log.signals.find((s) => s.kind === SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER)!;
      expect(line.verified).toBe("ok");
      expect(line.signal).toMatchObject({
        sequence: halt.sequence,
        kind: "SIGNAL_KIND_CIRCUIT_BREAKER",
        ruleId: "circuit-breaker-l1",
        keyId: generated.keyId,
        signature: halt.signature.toString("base64"),
        circuitBreaker: { level: 1 },
        scope: { assets: ["ETH"], venues: ["perp-a", "perp-b"] },
      });
      expect(r.stderr).toContain("1 signals, 0 failed verification");
      tailed = join(dir, "tail.jsonl");
      writeFileSync(tailed, r.stdout);

      expectExit(forged, 1);
      const forgedLine = JSON.parse(forged.stdout.trim()) as TailLine;
      expect(forgedLine).toMatchObject({ verified: "bad_signature", signal: { sequence: halt.sequence } });
      expect(forged.stderr).toContain("1 signals, 1 failed verification");
    } finally {
      await tail.kill();
      await impostor.kill();
    }
  }, 90_000);

  it("signals tail (human, replayed): one line per signal with its verdict; a key that did not sign it fails and exits 1", async () => {
    const r = await runCli([
      "signals",
      "tail",
      "--venue",
      "perp-b",
      "--keys-file",
      keysFile,
      "--count",
      "1",
      ...grpcAsVenue("perp-b"),
    ]);
    expectExit(r, 0);
    expect(r.stdout).toMatch(
      new RegExp(`^#\\d+  circuit_breaker  halt level 1 full for .* key ${generated.keyId}  verified\\n$`),
    );
    const stranger = Buffer.alloc(32, 9).toString("base64");
    const wrong = await runCli([
      "signals",
      "tail",
      "--venue",
      "perp-b",
      "--key",
      `${generated.keyId}=${stranger}`,
      "--count",
      "1",
      ...grpcAsVenue("perp-b"),
    ]);
    expectExit(wrong, 1);
    expect(wrong.stdout).toMatch(/circuit_breaker .* FAILED: bad_signature\n$/);
  }, 60_000);

  it("signals verify: the tailed file and the whole log (gRPC and HTTP) verify with the key keys generate printed; a tampered file exits 1 naming the sequence", async () => {
    const pin = ["--key", `${generated.keyId}=${generated.publicKey}`];
    const file = await runCli(["signals", "verify", "--file", tailed, ...pin]);
    expectExit(file, 0);
    const seq = (JSON.parse(readFileSync(tailed, "utf8").trim()) as TailLine).signal.sequence;
    expect(file.stdout).toContain(`1 checked (sequences ${seq}-${seq}): 1 verified, 0 failed`);

    const entry = JSON.parse(readFileSync(tailed, "utf8").trim()) as TailLine;
    entry.signal["reason"] = "ETH is fine";
    const tampered = join(dir, "tampered.jsonl");
    writeFileSync(tampered, `${JSON.stringify(entry)}\n`);
    const bad = await runCli(["signals", "verify", "--file", tampered, ...pin]);
    expectExit(bad, 1);
    expect(bad.stdout).toMatch(
      new RegExp(
        `^\\s*${seq}\\s+\\S+tampered\\.jsonl:line 1\\s+circuit_breaker.*FAILED: bad_signature$`,
        "m",
      ),
    );
    expect(bad.stdout).toContain(`failed sequences: ${seq}`);

    const log = await httpSignals(coordinator.http);
    for (const via of [grpc(), ["--http", ...http()]]) {
      const range = await runCli(["signals", "verify", "--json", ...pin, ...via]);
      expectExit(range, 0);
      expect(JSON.parse(range.stdout)).toMatchObject({
        checked: log.lastSequence,
        verified: log.lastSequence,
        failed: 0,
        firstSequence: 1,
        lastSequence: log.lastSequence,
        missing: [],
      });
      expect(range.stderr).toContain(`through #${log.lastSequence} of #${log.lastSequence}`);
    }
    const one = await runCli([
      "signals",
      "verify",
      "--from",
      String(seq),
      "--to",
      String(seq),
      ...pin,
      ...grpc(),
    ]);
    expectExit(one, 0);
    expect(one.stdout).toContain(`1 checked (sequences ${seq}-${seq}): 1 verified, 0 failed`);

    const foreign = await runCli([
      "signals",
      "verify",
      "--key",
      `ed25519:0000000000000000=${generated.publicKey}`,
      ...grpc(),
    ]);
    expectExit(foreign, 1);
    expect(foreign.stdout).toContain("FAILED: unknown_key");
    expect(foreign.stdout).toContain(
      `${log.lastSequence} checked (sequences 1-${log.lastSequence}): 0 verified`,
    );
  }, 120_000);

  it("venues: connection, last acked sequences and the lateness of halt acks, as /v1/venues and /v1/acks/late report them", async () => {
    const log = await httpSignals(coordinator.http);
    const halt = log.signals.find((s) => s.kind === SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER)!;
    // neither venue acked by the halt's effective time: both are reported; then perp-a acks, late
    await eventually(async () => {
      const late = (await (await fetch(`${coordinator.http}/v1/acks/late`)).json()) as { late: unknown[] };
      return late.late.length >= 2 ? true : undefined;
    }, 20_000);
    await new Promise<void>((resolve, reject) =>
      client.ack(
        { venueId: "perp-a", sequence: halt.sequence, state: AckState.ACK_STATE_RECEIVED, detail: "" },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    const lateAcks = await eventually(async () => {
      const body = (await (await fetch(`${coordinator.http}/v1/acks/late`)).json()) as {
        late: { venueId: string; ackedAtMs: number; effectiveAtMs: number }[];
      };
      return body.late.find((l) => l.venueId === "perp-a")?.ackedAtMs ? body.late : undefined;
    }, 20_000);
    const perpA = lateAcks.find((l) => l.venueId === "perp-a")!;

    const r = await runCli(["venues", "--json", ...http()]);
    expectExit(r, 0);
    const out = JSON.parse(r.stdout) as {
      venues: Record<string, unknown>[];
      late: unknown[];
      outstanding: number;
    };
    expect(out.late).toEqual(lateAcks);
    expect(out.outstanding).toBe(1);
    expect(out.venues).toEqual([
      expect.objectContaining({
        venueId: "perp-a",
        lastReceivedSequence: halt.sequence,
        lateHalts: 1,
        missingAcks: 0,
        worstLatenessMs: perpA.ackedAtMs - perpA.effectiveAtMs,
      }),
      expect.objectContaining({ venueId: "perp-b", connected: false, lateHalts: 1, missingAcks: 1 }),
    ]);

    const human = await runCli(["venues", ...http()]);
    expectExit(human, 0);
    expect(human.stdout).toMatch(
      new RegExp(`^perp-a\\s+no\\s+${halt.sequence}\\s+-\\s+-\\s+\\S+Z \\(.* ago\\)\\s+1\\s+0\\s+\\S+`, "m"),
    );
    expect(human.stdout).toMatch(
      new RegExp(`^\\s*${halt.sequence}\\s+perp-b\\s+\\S+Z\\s+missing\\s+.* so far$`, "m"),
    );
  }, 90_000);

  it("signals tail: Ctrl-C ends it with its summary, exit 0 when everything verified", async () => {
    const tail = startCli([
      "signals",
      "tail",
      "--venue",
      "perp-a",
      "--keys-file",
      keysFile,
      ...grpcAsVenue(),
    ]);
    try {
      await tail.waitFor("stdout", /circuit_breaker .* verified\n/, 30_000);
      await tail.waitFor("stderr", /following live/, 30_000);
      const r = await tail.interrupt();
      expectExit(r, 0);
      expect(r.stderr).toContain("1 signals, 0 failed verification");
    } finally {
      await tail.kill();
    }
  }, 60_000);

  it("signals tail: the coordinator going away mid-stream exits 3 with a clear message", async () => {
    const tail = startCli([
      "signals",
      "tail",
      "--venue",
      "perp-a",
      "--keys-file",
      keysFile,
      ...grpcAsVenue(),
    ]);
    try {
      await tail.waitFor("stderr", /following live/, 30_000);
      await coordinator.proc.stop();
      const r = await tail.done;
      expectExit(r, 3);
      expect(r.stderr).toMatch(
        /breakwater: (cannot reach the coordinator at \S+|the coordinator ended the stream)/,
      );
    } finally {
      await tail.kill();
    }
  }, 60_000);
});

describe("breakwater against the correlator", () => {
  let nats: NatsServer;
  let bus: Bus;
  let dir: string;
  let correlator: RunningCorrelator;
  const at = () => ["--correlator", correlator.http];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "bw-cli-e2e-corr-"));
    const config = join(dir, "correlator.yaml");
    writeFileSync(
      config,
      "depth:\n  ETH: { notionalPer1Pct: 10000, exponent: 1 }\ninsuranceFunds:\n  perp-a: 100\n",
    );
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "cli-e2e-correlator" });
    correlator = await startCorrelator(nats.url, {
      BW_CONFIG: config,
      BW_STALE_AFTER_MS: "600000",
      // snapshots for `export` to find in a short range
      BW_SNAPSHOT_INTERVAL_MS: "250",
    });
    for (const chain of ["sim-a", "sim-b"])
      await publishEvent(bus, { kind: "heartbeat", value: heartbeat(chain) });
    const positions = [
      positionUpdate({
        eventId: "a:1",
        account: "0xa1",
        size: "10",
        entryPrice: "2000",
        liquidationPrice: "1880",
      }),
      positionUpdate({
        eventId: "a:2",
        account: "0xa2",
        size: "4",
        entryPrice: "2000",
        liquidationPrice: "1700",
      }),
      positionUpdate({
        eventId: "b:1",
        chainId: "sim-b",
        venueId: "perp-b",
        account: "0xb1",
        size: "5",
        entryPrice: "2000",
        liquidationPrice: "1800",
      }),
    ];
    for (const p of positions) await publishEvent(bus, { kind: "position", value: p });
    await publishEvent(bus, {
      kind: "price",
      value: priceTick({ eventId: "pa:1", price: "2000", chainTimeMs: T0 }),
    });
    await publishEvent(bus, {
      kind: "price",
      value: priceTick({ eventId: "pb:1", chainId: "sim-b", price: "2000", chainTimeMs: T0 }),
    });
    await eventually(async () => {
      const e = await correlator.exposure();
      return e.rows.length === 2 && e.referencePrices["ETH"] === "2000" ? true : undefined;
    }, 30_000);
  }, 90_000);

  afterAll(async () => {
    correlator?.close();
    await correlator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("exposure: --json is the API's answer; the table prints the same figures", async () => {
    const api = await correlator.exposure("asset=ETH");
    const r = await runCli(["exposure", "--asset", "ETH", "--json", ...at()]);
    expectExit(r, 0);
    const cli = JSON.parse(r.stdout) as typeof api;
    expect(cli.rows).toEqual(api.rows);
    expect(cli.referencePrices).toEqual(api.referencePrices);
    expect(cli.rows.map((row) => [row.venueId, row.longNotional])).toEqual([
      ["perp-a", 28_000],
      ["perp-b", 10_000],
    ]);

    const human = await runCli(["exposure", "--asset", "ETH", ...at()]);
    expectExit(human, 0);
    for (const row of api.rows) {
      const cells = [row.asset, row.venueId, row.chainId, money(row.longNotional), money(row.shortNotional)];
      cells.push(
        money(row.netNotional),
        money(row.grossNotional),
        money(row.collateralValue),
        String(row.positions),
      );
      expect(human.stdout).toMatch(
        new RegExp(`^${cells.map((c) => c.replace(/[.]/g, "\\.")).join("\\s+")}\\s*$`, "m"),
      );
    }
    expect(human.stdout).toContain("reference prices: ETH 2000");

    const filtered = await runCli(["exposure", "--venue", "perp-b", "--json", ...at()]);
    expectExit(filtered, 0);
    expect((JSON.parse(filtered.stdout) as typeof api).rows).toEqual(
      (await correlator.exposure("venue=perp-b")).rows,
    );
  }, 90_000);

  it("ladder: --json is the API's answer; the table prints the rungs where positions liquidate; a bad step is the server's 400, exit 1", async () => {
    const api = (await correlator.get("/v1/ladder?asset=ETH&stepBps=100&rangeBps=2000")).body as {
      ladders: {
        rungs: { moveBps: number; positions: number; notional: number; cumulativeNotional: number }[];
      }[];
    };
    const r = await runCli([
      "ladder",
      "--asset",
      "ETH",
      "--step-bps",
      "100",
      "--range-bps",
      "2000",
      "--json",
      ...at(),
    ]);
    expectExit(r, 0);
    expect((JSON.parse(r.stdout) as typeof api).ladders).toEqual(api.ladders);
    const busy = api.ladders[0]!.rungs.filter((x) => x.positions > 0);
    expect(busy.map((x) => x.moveBps)).toEqual([-1500, -1000, -600]);

    const human = await runCli([
      "ladder",
      "--asset",
      "ETH",
      "--step-bps",
      "100",
      "--range-bps",
      "2000",
      ...at(),
    ]);
    expectExit(human, 0);
    for (const rung of busy) {
      const move = `${(rung.moveBps / 100).toFixed(2)}%`;
      expect(human.stdout).toMatch(
        new RegExp(
          `^\\s*${move}\\s+\\S+\\s+${rung.positions}\\s+\\S+\\s+${money(rung.notional)}\\s+${money(rung.cumulativeNotional)}$`,
          "m",
        ),
      );
    }
    expect(human.stdout.match(/^\s*-?\d+\.\d\d%/gm)).toHaveLength(busy.length);

    const bad = await runCli(["ladder", "--step-bps", "300", ...at()]);
    expectExit(bad, 1);
    expect(bad.stderr).toContain(
      "breakwater: the correlator refused GET /v1/ladder: 400 invalid_query: rangeBps: must be a multiple of step_bps (300)",
    );
  }, 90_000);

  it("stress: flags and a YAML file give the API's answer to the same body; the server's refusal exits 1 with its message", async () => {
    const body = {
      shocks: [{ asset: "ETH", move: -0.08 }],
      maxRounds: 5,
      insuranceFunds: [{ venueId: "perp-b", amount: 50 }],
    };
    const res = await fetch(`${correlator.http}/v1/stress`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
    const api = (await res.json()) as {
      liquidatedPositions: number;
      liquidatedNotional: number;
      badDebt: number;
    };
    expect(api.liquidatedPositions).toBeGreaterThan(0);

    const flags = await runCli([
      "stress",
      "--shock",
      "ETH=-8%",
      "--max-rounds",
      "5",
      "--fund",
      "perp-b=50",
      "--json",
      ...at(),
    ]);
    expectExit(flags, 0);
    expect(JSON.parse(flags.stdout)).toEqual(api);

    const scenario = join(dir, "scenario.yaml");
    writeFileSync(
      scenario,
      "shocks:\n  - { asset: ETH, move: -0.08 }\nmaxRounds: 5\ninsuranceFunds:\n  - { venueId: perp-b, amount: 50 }\n",
    );
    const file = await runCli(["stress", "--file", scenario, "--json", ...at()]);
    expectExit(file, 0);
    expect(JSON.parse(file.stdout)).toEqual(api);

    const human = await runCli(["stress", "--file", scenario, ...at()]);
    expectExit(human, 0);
    expect(human.stdout).toContain(
      `liquidated: ${api.liquidatedPositions} positions, notional ${money(api.liquidatedNotional)}`,
    );
    expect(human.stdout).toContain(`bad debt: ${money(api.badDebt)}`);

    const refused = await runCli(["stress", "--shock", "DOGE=-0.1", ...at()]);
    expectExit(refused, 1);
    expect(refused.stderr).toMatch(
      /breakwater: the correlator refused POST \/v1\/stress: 400 invalid_query: shocks\[0\]\.asset: /,
    );
  }, 120_000);

  it("export: csv, jsonl and parquet files of a time range, paged through /v1/history, read back by DuckDB with the API's rows and the published signals", async () => {
    const fromMs = Date.now();
    // the signal log as the coordinator keeps it (stream sequence == signal sequence), timed inside the range
    const published: Signal[] = [1, 2, 3].map((sequence) => ({
      sequence,
      signalId: `export-test:${sequence}`,
      kind: sequence === 2 ? SignalKind.SIGNAL_KIND_ADVISORY : SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
      issuedAtMs: fromMs + sequence * 10,
      effectiveAtMs: fromMs + sequence * 10 + 500,
      expiresAtMs: sequence === 3 ? fromMs + 900_000 : 0,
      scope: { assets: ["ETH"], markets: [], venues: sequence === 1 ? ["perp-a", "perp-b"] : [], chains: [] },
      // a comma, quotes and a line break: RFC 4180 quoting, and every reader must give it back whole
      reason: sequence === 2 ? 'ETH fell 8%, "fast"\nsecond line' : `rule fired ${sequence}`,
      ruleId: "circuit-breaker",
      evidence: [{ name: "fall", value: 0.08, threshold: 0.07, detail: "" }],
      action:
        sequence === 2
          ? { $case: "advisory", value: { code: "NOTE", message: "watch" } }
          : {
              $case: "circuitBreaker",
              value: { level: 1, durationMs: 900_000, mode: HaltMode.HALT_MODE_FULL },
            },
      leaderTerm: 1,
      keyId: "",
      signature: Buffer.alloc(0),
    }));
    for (const sig of published)
      await publish(bus, subjects.signal, codecs.signal.encode(sig), { msgId: sig.signalId });
    type Entry = {
      kind: string;
      snapshot?: {
        takenAtMs: number;
        rows: { asset: string; venueId: string; chainId: string; grossNotional: number }[];
        referencePrices: Record<string, string>;
      };
    };
    const snapshotsSince = async () =>
      (
        (await correlator.get(`/v1/history?kinds=snapshot&limit=1000&from=${new Date(fromMs).toISOString()}`))
          .body as { entries: Entry[] }
      ).entries;
    await eventually(async () => ((await snapshotsSince()).length >= 4 ? true : undefined), 20_000);
    const toMs = Date.now();
    const range = ["--from", new Date(fromMs).toISOString(), "--to", new Date(toMs).toISOString()];
    // what the API holds for the range, read directly (not through the CLI)
    const inRange = (await snapshotsSince()).filter((e) => e.snapshot!.takenAtMs < toMs);
    const expectedRows = inRange
      .flatMap((e) =>
        e.snapshot!.rows.map((r) => ({
          taken_at_ms: e.snapshot!.takenAtMs,
          asset: r.asset,
          venue_id: r.venueId,
          chain_id: r.chainId,
          gross_notional: r.grossNotional,
          reference_price: e.snapshot!.referencePrices[r.asset] ?? null,
        })),
      )
      .sort((a, b) => a.taken_at_ms - b.taken_at_ms || a.venue_id.localeCompare(b.venue_id));
    expect(expectedRows.length).toBeGreaterThanOrEqual(8);
    expect(expectedRows[0]).toMatchObject({ asset: "ETH", reference_price: "2000" });

    const db = await DuckDBInstance.create(":memory:");
    const duck = await db.connect();
    const query = async (sql: string) =>
      (await duck.runAndReadAll(sql))
        .getRowObjectsJS()
        .map((row) =>
          Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])),
        );
    const readers = {
      csv: (f: string) => `read_csv('${f}', header = true)`,
      jsonl: (f: string) => `read_json('${f}', format = 'newline_delimited')`,
      parquet: (f: string) => `read_parquet('${f}')`,
    };
    try {
      for (const format of ["csv", "jsonl", "parquet"] as const) {
        const out = join(dir, `export-${format}`);
        // two entries a request: the CLI must follow the cursor across pages and from snapshots to signals
        const r = await runCli([
          "export",
          ...range,
          "--format",
          format,
          "--out",
          out,
          "--page-size",
          "2",
          "--json",
          ...at(),
        ]);
        expectExit(r, 0);
        expect(r.stderr).not.toContain("[#"); // no progress bar when stderr is not a terminal
        const summary = JSON.parse(r.stdout) as {
          files: { kind: string; path: string; entries: number; rows: number }[];
        };
        expect(summary.files.map((f) => [f.kind, f.entries, f.rows])).toEqual([
          ["snapshot", inRange.length, expectedRows.length],
          ["signal", 3, 3],
        ]);
        const snapshots = join(out, `snapshots.${format}`);
        const signals = join(out, `signals.${format}`);
        const read = readers[format];
        expect(
          await query(
            `SELECT taken_at_ms, asset, venue_id, chain_id, gross_notional, CAST(reference_price AS VARCHAR) AS reference_price FROM ${read(snapshots)} ORDER BY taken_at_ms, venue_id`,
          ),
          format,
        ).toEqual(expectedRows);
        // the timestamp column is a timestamp to DuckDB, the same instant as its _ms twin
        expect(
          await query(
            `SELECT count(*) AS bad FROM ${read(snapshots)} WHERE epoch_ms(CAST(taken_at AS TIMESTAMP)) <> taken_at_ms`,
          ),
        ).toEqual([{ bad: 0 }]);
        const rows = await query(
          `SELECT sequence, signal_id, kind, reason, venues, internal, CAST(expires_at AS VARCHAR) IS NULL AS no_expiry, epoch_ms(CAST(issued_at AS TIMESTAMP)) AS issued, action FROM ${read(signals)} ORDER BY sequence`,
        );
        expect(
          rows.map((x) => ({ ...x, action: JSON.parse(String(x["action"])) })),
          format,
        ).toEqual(
          published.map((s) => ({
            sequence: s.sequence,
            signal_id: s.signalId,
            kind: s.kind === SignalKind.SIGNAL_KIND_ADVISORY ? "advisory" : "circuit_breaker",
            reason: s.reason,
            venues: s.scope!.venues.length ? s.scope!.venues.join(",") : format === "csv" ? null : "",
            internal: false,
            no_expiry: s.expiresAtMs === 0,
            issued: s.issuedAtMs,
            action:
              s.action!.$case === "advisory"
                ? { code: "NOTE", message: "watch" }
                : { level: 1, durationMs: 900000, mode: "HALT_MODE_FULL" },
          })),
        );
        if (format === "csv") {
          const text = readFileSync(signals, "utf8");
          expect(text).toContain('"ETH fell 8%, ""fast""\nsecond line"');
          expect(text.split("\r\n")[0]).toBe(
            "sequence,signal_id,kind,issued_at,issued_at_ms,effective_at,expires_at,assets,markets,venues,chains,internal,rule_id,reason,leader_term,key_id,action,evidence",
          );
        }
      }
      // on a terminal (a pseudo-terminal from util-linux `script`), the progress bar is drawn in place
      const args = ["export", ...range, "--format", "jsonl", "--out", join(dir, "export-tty"), ...at()];
      const command = [process.execPath, BREAKWATER_BIN, ...args].map((a) => `'${a}'`).join(" ");
      const onTty = await new Promise<string>((resolve, reject) =>
        execFile("script", ["-qec", command, "/dev/null"], { timeout: 60_000 }, (err, stdout) =>
          err ? reject(err) : resolve(stdout),
        ),
      );
      expect(onTty).toMatch(/\rsnapshots \[#+\] 100% [\d,]+ rows/);
      expect(onTty).toMatch(/\rsignals +\[#+\] 100% 3 rows/);
    } finally {
      duck.closeSync();
    }
  }, 120_000);
});
