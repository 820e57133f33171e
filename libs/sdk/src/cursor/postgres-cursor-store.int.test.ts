import { type Signal, SignalKind } from "@breakwater/proto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testPostgres, uniquePrefix } from "../test-support/postgres.js";
import { PostgresCursorStore } from "./postgres-cursor-store.js";

const sig = (sequence: number): Signal => ({
  sequence,
  signalId: `s-${sequence}`,
  kind: SignalKind.SIGNAL_KIND_ADVISORY,
  issuedAtMs: 1,
  effectiveAtMs: 2,
  expiresAtMs: 0,
  scope: { assets: ["ETH"], markets: [], venues: [], chains: [] },
  reason: "r",
  ruleId: "t",
  evidence: [],
  action: { $case: "advisory", value: { code: "c", message: "m" } },
  leaderTerm: 3,
  keyId: "k",
  signature: Buffer.from([1, 2, 3]),
});
const controls = { halts: [], margins: [] };

const pgState = await testPostgres();
if ("skip" in pgState) console.warn(`SKIPPED PostgresCursorStore tests: ${pgState.skip}`);

describe.skipIf("skip" in pgState)("PostgresCursorStore (real PostgreSQL)", () => {
  let pool: pg.Pool;
  const prefixes: string[] = [];
  beforeAll(() => {
    if ("pool" in pgState) pool = pgState.pool;
  });
  afterAll(async () => {
    for (const p of prefixes)
      await pool.query(`DROP TABLE IF EXISTS ${p}cursor, ${p}inbox, ${p}pending_acks, ${p}venue_applied`);
    await pool?.end();
  });
  const open = (tablePrefix: string, venueId = "perp-a") =>
    new PostgresCursorStore({ pool, venueId, tablePrefix });
  const fresh = () => {
    const p = uniquePrefix();
    prefixes.push(p);
    return p;
  };

  it("keeps position, inbox and pending acks, and the venue's own rows commit with the cursor", async () => {
    const prefix = fresh();
    const a = open(prefix);
    expect((await a.load()).position).toEqual({ covered: 0, lastInScope: undefined });
    await pool.query(`CREATE TABLE ${prefix}venue_applied (sequence bigint PRIMARY KEY)`);
    await a.receive(sig(3), { covered: 3, lastInScope: 3 });
    await a.receive(sig(6), { covered: 6, lastInScope: 6 });
    const applied = await a.apply(3, "applied", controls, async (tx) => {
      await tx.query(`INSERT INTO ${prefix}venue_applied VALUES (3)`);
    });
    expect(applied).toBe(true);
    await a.advance({ covered: 10, lastInScope: 6 });
    await a.advance({ covered: 8, lastInScope: 2 }); // never back

    const record = await open(prefix).load();
    expect(record.position).toEqual({ covered: 10, lastInScope: 6 });
    expect(record.inbox).toEqual([sig(6)]);
    expect(record.pendingAcks).toEqual([{ sequence: 3, outcome: "applied" }]);
    expect(record.controls).toEqual(controls);
    await open(prefix).acked([3]);
    expect((await open(prefix).load()).pendingAcks).toEqual([]);
    // another venue's cursor in the same tables is separate
    expect((await open(prefix, "perp-b").load()).position.covered).toBe(0);
  });

  it("an effect that throws rolls back the venue's rows and keeps the signal in the inbox", async () => {
    const prefix = fresh();
    const s = open(prefix);
    await s.load();
    await pool.query(`CREATE TABLE ${prefix}venue_applied (sequence bigint PRIMARY KEY)`);
    await s.receive(sig(1), { covered: 1, lastInScope: 1 });
    await expect(
      s.apply(1, "applied", controls, async (tx) => {
        await tx.query(`INSERT INTO ${prefix}venue_applied VALUES (1)`);
        throw new Error("engine refused");
      }),
    ).rejects.toThrow("engine refused");
    expect((await pool.query(`SELECT * FROM ${prefix}venue_applied`)).rowCount).toBe(0);
    expect((await s.load()).inbox.map((x) => x.sequence)).toEqual([1]);
    // applied once, then never again
    expect(
      await s.apply(1, "applied", controls, (tx) =>
        tx.query(`INSERT INTO ${prefix}venue_applied VALUES (1)`).then(() => undefined),
      ),
    ).toBe(true);
    expect(await s.apply(1, "applied", controls, () => Promise.reject(new Error("must not run")))).toBe(
      false,
    );
    expect((await pool.query(`SELECT * FROM ${prefix}venue_applied`)).rowCount).toBe(1);
  });

  it("refuses a table prefix that is not a plain identifier", () => {
    expect(() => open("x; DROP TABLE users; --")).toThrow(/plain identifier/);
  });
});
