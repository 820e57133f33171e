import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, connectBus } from "@breakwater/bus";
import {
  eventually,
  type NatsServer,
  type ServiceProcess,
  sharedTestPki,
  startNats,
  startService,
  type TestPki,
  tlsEnvOf,
} from "@breakwater/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishFall, signalsInScope, VENUE_ID, venueStatus } from "./venue-helpers.js";

const COORDINATOR = "services/coordinator/src/main.ts";
const VENUE = "examples/venue-orderbook/src/main.ts";
const ASSETS = 200;
const KILLS = 5;
const PG_URL = process.env["BW_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

/** A seeded generator, so a failing run's kill moments can be replayed (seed printed). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function pgAvailable(): Promise<string | undefined> {
  const pool = new pg.Pool({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
  try {
    await pool.query("SELECT 1");
    return undefined;
  } catch (err) {
    return `no PostgreSQL at ${PG_URL} (${(err as Error).message}); set BW_TEST_PG_URL`;
  } finally {
    await pool.end().catch(() => undefined);
  }
}
const pgSkip = await pgAvailable();
if (pgSkip) console.warn(`SKIPPED the PostgreSQL venue crash test: ${pgSkip}`);

describe("a venue killed in the middle of a burst of 200 signals applies each exactly once", () => {
  let nats: NatsServer;
  let bus: Bus;
  let coordinator: ServiceProcess;
  let grpc: string;
  let http: string;
  let pki: TestPki;
  const procs: ServiceProcess[] = [];

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "venue-crash-test" });
    pki = await sharedTestPki();
    coordinator = startService(COORDINATOR, [], {
      ...pki.coordinatorEnv(),
      BW_NATS_URL: nats.url,
      BW_GRPC_PORT: "0",
      BW_HTTP_PORT: "0",
      BW_MARKER_INTERVAL_MS: "200",
      BW_ACK_ADVISORY: "false",
    });
    const started = JSON.parse(await coordinator.waitFor(/"msg":"coordinator started"/, 30_000)) as {
      grpc: string;
      http: string;
    };
    await coordinator.waitFor(/"msg":"leader is consuming assessments"/, 30_000);
    grpc = started.grpc;
    http = started.http;
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await coordinator?.stop();
    await bus?.close();
    await nats?.dispose();
  });

  /** Runs the burst while SIGKILLing and restarting the venue at seeded random moments. */
  async function burstWithKills(storeArgs: string[], prefix: string, seed: number): Promise<number[]> {
    console.log(`venue crash test (${prefix}): seed ${seed} (VENUE_CRASH_SEED to replay)`);
    const rand = random(seed);
    const start = () => {
      const tls = pki.venueTls(VENUE_ID);
      const p = startService(
        VENUE,
        ["--venue", VENUE_ID, "--coordinator", grpc, ...storeArgs],
        tlsEnvOf(tls),
      );
      procs.push(p);
      return p;
    };
    let venue = start();
    await venue.waitFor(/"event":"started"/, 30_000);
    const before = (await signalsInScope(http)).length;

    let publishing = true;
    const publisher = (async () => {
      for (let i = 0; i < ASSETS; i++) {
        await publishFall(bus, `${prefix}${i}`);
        await new Promise((r) => setTimeout(r, 40));
      }
      publishing = false;
    })();
    let kills = 0;
    while (kills < KILLS) {
      await new Promise((r) => setTimeout(r, 700 + rand() * 1_200));
      await venue.kill();
      kills++;
      venue = start();
      await venue.waitFor(/"event":"started"/, 30_000);
    }
    await publisher;
    expect(publishing).toBe(false);

    const expected = await eventually(async () => {
      const inScope = await signalsInScope(http);
      return inScope.length >= before + ASSETS ? inScope : undefined;
    }, 60_000);
    const last = expected.at(-1)!;
    await eventually(async () => {
      const status = await venueStatus(grpc);
      return Number(status.lastAppliedSequence) >= last ? status : undefined;
    }, 60_000);
    await venue.stop();
    return expected;
  }

  it("file cursor store: five SIGKILLs, every in-scope signal applied once and in order, the coordinator agrees", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bw-venue-crash-"));
    const file = join(dir, "perp-a.cursor.json");
    const seed = Number(process.env["VENUE_CRASH_SEED"] ?? Date.now() % 100_000);
    const expected = await burstWithKills(["--cursor-file", file], "F", seed);
    const applied = (JSON.parse(readFileSync(file, "utf8")) as { state: { applied: number[] } }).state
      .applied;
    expect(applied).toEqual(expected);
    const status = await venueStatus(grpc);
    expect(Number(status.lastAppliedSequence)).toBe(expected.at(-1));
    expect(Number(status.lastReceivedSequence)).toBeGreaterThanOrEqual(expected.at(-1)!);
  }, 240_000);

  it.skipIf(pgSkip !== undefined)(
    "PostgreSQL cursor store: five SIGKILLs, every in-scope signal applied once and in order, the coordinator agrees",
    async () => {
      const pool = new pg.Pool({ connectionString: PG_URL });
      try {
        const db = `bw_crash_${process.pid}`;
        await pool.query(`DROP DATABASE IF EXISTS ${db}`);
        await pool.query(`CREATE DATABASE ${db}`);
        const url = PG_URL.replace(/\/[^/]*$/, `/${db}`);
        const seed = Number(process.env["VENUE_CRASH_SEED"] ?? (Date.now() + 1) % 100_000);
        // Signals before this test (the file-store test's) are applied too: the venue starts from 0.
        const expected = await burstWithKills(["--pg", url], "P", seed);
        const venuePool = new pg.Pool({ connectionString: url });
        const rows = (
          await venuePool.query<{ sequence: string }>(
            "SELECT sequence FROM venue_applied_signals WHERE venue_id = $1 ORDER BY id",
            [VENUE_ID],
          )
        ).rows.map((r) => Number(r.sequence));
        await venuePool.end();
        expect(rows).toEqual(expected);
        await pool.query(`DROP DATABASE IF EXISTS ${db}`);
      } finally {
        await pool.end();
      }
    },
    240_000,
  );
});
