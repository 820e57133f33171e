import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Signal, SignalKind } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { CursorStoreError } from "./errors.js";
import { FileCursorStore } from "./file-cursor-store.js";

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

function fresh(venueId = "perp-a") {
  const dir = mkdtempSync(join(tmpdir(), "bw-cursor-"));
  const path = join(dir, "cursor.json");
  const open = () =>
    new FileCursorStore<{ applied: number[] }>({ path, venueId, initialState: { applied: [] } });
  return { dir, path, open };
}

describe("FileCursorStore", () => {
  it("keeps position, inbox (byte-exact signals), venue state and pending acks across reopen", async () => {
    const { open } = fresh();
    const a = open();
    expect((await a.load()).position).toEqual({ covered: 0, lastInScope: undefined });
    await a.receive(sig(4), { covered: 4, lastInScope: 4 });
    await a.receive(sig(7), { covered: 7, lastInScope: 7 });
    expect(await a.apply(4, "applied", controls, (tx) => void tx.state.applied.push(4))).toBe(true);
    await a.advance({ covered: 9, lastInScope: 7 });

    const b = open();
    const record = await b.load();
    expect(record.position).toEqual({ covered: 9, lastInScope: 7 });
    expect(record.inbox).toEqual([sig(7)]);
    expect(record.pendingAcks).toEqual([{ sequence: 4, outcome: "applied" }]);
    expect(b.state).toEqual({ applied: [4] });
    await b.acked([4]);
    expect((await open().load()).pendingAcks).toEqual([]);
  });

  it("an effect that throws changes nothing: the signal stays in the inbox and the state is untouched", async () => {
    const { open } = fresh();
    const s = open();
    await s.load();
    await s.receive(sig(1), { covered: 1, lastInScope: 1 });
    await expect(
      s.apply(1, "applied", controls, (tx) => {
        tx.state.applied.push(1);
        throw new Error("engine refused");
      }),
    ).rejects.toThrow("engine refused");
    expect(s.state).toEqual({ applied: [] });
    const reopened = open();
    expect((await reopened.load()).inbox.map((x) => x.sequence)).toEqual([1]);
    expect(reopened.state).toEqual({ applied: [] });
  });

  it("applying a signal not in the inbox runs nothing and says so", async () => {
    const { open } = fresh();
    const s = open();
    await s.load();
    let ran = false;
    const effect = () => {
      ran = true;
    };
    expect(await s.apply(5, "applied", controls, effect)).toBe(false);
    expect(ran).toBe(false);
  });

  it("a marker never moves the position back", async () => {
    const { open } = fresh();
    const s = open();
    await s.load();
    await s.receive(sig(8), { covered: 8, lastInScope: 8 });
    await s.advance({ covered: 5, lastInScope: 2 });
    expect((await open().load()).position).toEqual({ covered: 8, lastInScope: 8 });
  });

  it("writes by rename: no temporary file is left, and the file is always whole JSON", async () => {
    const { dir, path, open } = fresh();
    const s = open();
    await s.load();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => s.receive(sig(i + 1), { covered: i + 1, lastInScope: i + 1 })),
    );
    expect(readdirSync(dir)).toEqual(["cursor.json"]);
    expect(JSON.parse(readFileSync(path, "utf8")).inbox).toHaveLength(20);
  });

  it("refuses a corrupt file, a file of another venue and a foreign file, rather than start from 0", async () => {
    const corrupt = fresh();
    writeFileSync(corrupt.path, '{"version":1,"position":');
    await expect(corrupt.open().load()).rejects.toThrow(/not valid JSON/);
    const other = fresh();
    const s = other.open();
    await s.load();
    await s.receive(sig(1), { covered: 1, lastInScope: 1 });
    await expect(
      new FileCursorStore({ path: other.path, venueId: "perp-b", initialState: {} }).load(),
    ).rejects.toBeInstanceOf(CursorStoreError);
    const foreign = fresh();
    writeFileSync(foreign.path, JSON.stringify({ hello: "world" }));
    await expect(foreign.open().load()).rejects.toThrow(/not a Breakwater cursor file/);
  });
});
