/**
 * Venue SDK: signals applied per second by a DurableVenue with the file cursor
 * store and with the PostgreSQL store (each signal: inbox write, then the
 * handler and the cursor in one commit, acks), next to the same handler
 * behind the plain VenueClient (no store) in the same run. The coordinator is
 * an in-memory log served over real gRPC on 127.0.0.1, so the figures are the
 * SDK's and the store's, not the signal log's.
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CursorStore,
  DurableVenue,
  FileCursorStore,
  PostgresCursorStore,
  VenueClient,
} from "@breakwater/sdk";
import { credentials } from "@grpc/grpc-js";
import type pg from "pg";
import { LogCoordinator } from "../libs/sdk/src/test-support/log-coordinator.js";
import { testPostgres, uniquePrefix } from "../libs/sdk/src/test-support/postgres.js";
import { type Figure, memoryUsed, percentile, saveReport } from "./lib.js";

const SIGNALS = 2_000;

async function coordinatorWith(count: number): Promise<{ coordinator: LogCoordinator; address: string }> {
  const coordinator = new LogCoordinator();
  const address = await coordinator.start();
  const past = Date.now() - 1_000; // already effective: applied on arrival
  for (let i = 0; i < count; i++) coordinator.append({ effectiveAtMs: past, issuedAtMs: past });
  return { coordinator, address };
}

interface Run {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/** The handler alone: the plain client hands each signal over and acks it; nothing is stored. */
async function baseline(): Promise<Run> {
  const { coordinator, address } = await coordinatorWith(SIGNALS);
  const applied: number[] = [];
  const gaps: number[] = [];
  let last = performance.now();
  const t0 = performance.now();
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const client = new VenueClient({
    address,
    // a stand-in coordinator without TLS
    credentials: credentials.createInsecure(),
    venueId: "perp-a",
    handler: (signal) => {
      applied.push(signal.sequence);
      const now = performance.now();
      gaps.push(now - last);
      last = now;
      if (applied.length === SIGNALS) finished();
    },
  });
  client.on("error", () => undefined);
  client.start();
  await done;
  await client.close();
  const elapsed = performance.now() - t0;
  coordinator.stop();
  return { perSecond: (SIGNALS / elapsed) * 1_000, p50: percentile(gaps, 50), p99: percentile(gaps, 99) };
}

async function durable(
  store: CursorStore<unknown>,
  effect: (tx: unknown, sequence: number) => Promise<void> | void,
): Promise<Run> {
  const { coordinator, address } = await coordinatorWith(SIGNALS);
  const gaps: number[] = [];
  let count = 0;
  let last = performance.now();
  const t0 = performance.now();
  const venue = new DurableVenue<unknown>({
    address,
    // a stand-in coordinator without TLS
    credentials: credentials.createInsecure(),
    venueId: "perp-a",
    store,
    lateToleranceMs: Number.POSITIVE_INFINITY,
    handlers: { onAdvisory: ({ tx, signal }) => effect(tx, signal.sequence) },
  });
  venue.on("error", () => undefined);
  const done = new Promise<void>((resolve) =>
    venue.on("applied", () => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
      if (++count === SIGNALS) resolve();
    }),
  );
  await venue.start();
  await done;
  const elapsed = performance.now() - t0;
  await venue.close();
  coordinator.stop();
  return { perSecond: (SIGNALS / elapsed) * 1_000, p50: percentile(gaps, 50), p99: percentile(gaps, 99) };
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  const memBefore = await memoryUsed();
  const base = await baseline();
  const add = (label: string, run: Run) =>
    figures.push(
      {
        name: `${label}: signals applied/s`,
        value: run.perSecond,
        unit: "signals/s",
        baseline: base.perSecond,
      },
      { name: `${label}: time between applications p50`, value: run.p50, unit: "ms", baseline: base.p50 },
      { name: `${label}: time between applications p99`, value: run.p99, unit: "ms", baseline: base.p99 },
    );

  const path = join(mkdtempSync(join(tmpdir(), "bw-bench-sdk-")), "cursor.json");
  type State = { applied: number };
  const fileStore = new FileCursorStore<State>({ path, venueId: "perp-a", initialState: { applied: 0 } });
  add(
    "file store",
    await durable(fileStore as CursorStore<unknown>, (tx) => {
      (tx as { state: State }).state.applied++;
    }),
  );

  const pgState = await testPostgres();
  if ("pool" in pgState) {
    const prefix = uniquePrefix();
    const pool: pg.Pool = pgState.pool;
    await pool.query(`CREATE TABLE ${prefix}venue_applied (sequence bigint)`);
    const store = new PostgresCursorStore({ pool, venueId: "perp-a", tablePrefix: prefix });
    add(
      "PostgreSQL store",
      await durable(store as CursorStore<unknown>, async (tx, sequence) => {
        await (tx as pg.PoolClient).query(`INSERT INTO ${prefix}venue_applied VALUES ($1)`, [sequence]);
      }),
    );
    for (const t of ["cursor", "inbox", "pending_acks", "venue_applied"])
      await pool.query(`DROP TABLE ${prefix}${t}`);
    await pool.end();
  } else {
    notes.push(`PostgreSQL store not measured: ${pgState.skip}`);
  }
  figures.push({
    name: "memory after the runs (heap + buffers)",
    value: ((await memoryUsed()) - memBefore) / 1e6,
    unit: "MB",
  });
  notes.push(
    `${SIGNALS} signals already effective, served over gRPC on loopback by an in-memory log; baseline: the plain VenueClient with the same handler and no store`,
    "file store: every change rewrites and fsyncs one JSON file (inbox write and apply commit per signal), so it slows as the inbox and state grow",
  );
  saveReport({
    bench: "sdk",
    description: "durable signal application vs the handler alone",
    figures,
    notes,
  });
}

await main();
process.exit(0);
