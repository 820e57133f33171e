import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HaltMode, SignalKind } from "@breakwater/proto";
import { eventually } from "@breakwater/testkit";
import { credentials } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { FileCursorStore, type FileStoreTx } from "./cursor/file-cursor-store.js";
import { DurableVenue, type DurableVenueOptions, type SignalHandlers } from "./durable-venue.js";
import type { SignalStuckError } from "./errors.js";
import { LogCoordinator } from "./test-support/log-coordinator.js";

type State = { applied: number[] };
type Tx = FileStoreTx<State>;

const haltFields = (effectiveAtMs: number) => ({
  kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
  effectiveAtMs,
  scope: { assets: ["ETH"], markets: [], venues: ["perp-a"], chains: [] },
  action: {
    $case: "circuitBreaker" as const,
    value: { level: 1, durationMs: 60_000, mode: HaltMode.HALT_MODE_FULL },
  },
});
const record: SignalHandlers<Tx>["onAdvisory"] = ({ signal, tx }) => {
  tx.state.applied.push(signal.sequence);
};

describe("DurableVenue against a coordinator on loopback, with a file cursor store", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup() {
    const coordinator = new LogCoordinator();
    const address = await coordinator.start();
    cleanups.push(() => coordinator.stop());
    const path = join(mkdtempSync(join(tmpdir(), "bw-durable-")), "cursor.json");
    const venue = (handlers: SignalHandlers<Tx>, extra: Partial<DurableVenueOptions<Tx>> = {}) => {
      const store = new FileCursorStore<State>({ path, venueId: "perp-a", initialState: { applied: [] } });
      const v = new DurableVenue<Tx>({
        address,
        // a stand-in coordinator without TLS
        credentials: credentials.createInsecure(),
        venueId: "perp-a",
        store,
        handlers,
        reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
        retry: { attempts: 4, initialDelayMs: 20, maxDelayMs: 50 },
        markerFlushMs: 50,
        ...extra,
      });
      const errors: string[] = [];
      v.on("error", (e) => errors.push(e.message));
      cleanups.push(() => v.close());
      return { v, store, errors };
    };
    const storeNow = async () => {
      const s = new FileCursorStore<State>({ path, venueId: "perp-a", initialState: { applied: [] } });
      const r = await s.load();
      return { ...r, state: s.state };
    };
    return { coordinator, venue, storeNow };
  }

  it("applies every signal once, in order, inside the store's commit, and acks received then applied", async () => {
    const { coordinator, venue, storeNow } = await setup();
    for (let i = 0; i < 5; i++) coordinator.append();
    const { v } = venue({ onAdvisory: record });
    await v.start();
    for (let i = 0; i < 5; i++) coordinator.append();
    await eventually(async () => ((await storeNow()).state.applied.length === 10 ? true : undefined));
    expect((await storeNow()).state.applied).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await eventually(async () => (coordinator.acksOf(10).includes("applied") ? true : undefined));
    for (let s = 1; s <= 10; s++) expect(coordinator.acksOf(s)).toEqual(["received", "applied"]);
  });

  it("a throwing handler is retried and never acked applied while it fails; nothing after it is skipped or doubled", async () => {
    const { coordinator, venue, storeNow } = await setup();
    let failuresLeft = 2;
    const { v, errors } = venue({
      onAdvisory: (ctx) => {
        if (ctx.signal.sequence === 2 && failuresLeft-- > 0)
          throw new Error(`engine busy (attempt ${ctx.attempt})`);
        record(ctx);
      },
    });
    await v.start();
    for (let i = 0; i < 4; i++) coordinator.append();
    await eventually(async () => ((await storeNow()).state.applied.length === 4 ? true : undefined));
    expect((await storeNow()).state.applied).toEqual([1, 2, 3, 4]);
    expect(errors.filter((e) => /handling signal 2 failed: engine busy/.test(e))).toHaveLength(2);
    await eventually(async () => (coordinator.acksOf(4).includes("applied") ? true : undefined));
    expect(coordinator.acksOf(2)).toEqual(["received", "applied"]);
    expect(coordinator.acks.some((a) => a.state === 3)).toBe(false); // never REJECTED
  });

  it("a signal that keeps failing stops the venue (alert hook) until it is skipped explicitly", async () => {
    const { coordinator, venue, storeNow } = await setup();
    const stuck: SignalStuckError[] = [];
    const { v } = venue(
      {
        onAdvisory: (ctx) => {
          if (ctx.signal.sequence === 2) throw new Error("bad market");
          record(ctx);
        },
      },
      { onStuck: (e) => stuck.push(e) },
    );
    await v.start();
    for (let i = 0; i < 3; i++) coordinator.append();
    await eventually(async () => (stuck.length === 1 ? true : undefined));
    expect(stuck[0]!.sequence).toBe(2);
    expect(stuck[0]!.message).toMatch(/signal 2 could not be applied after 4 attempts \(bad market\)/);
    expect(v.stuck?.sequence).toBe(2);
    // stopped: signals appended now are not taken in, and 3 is not applied past the stuck 2
    const subscribesBefore = coordinator.subscribes.length;
    coordinator.append();
    await new Promise((r) => setTimeout(r, 300));
    expect((await storeNow()).state.applied).toEqual([1]);
    expect(coordinator.acksOf(2)).toEqual(["received"]);

    await v.skip(2, "market delisted");
    await eventually(async () => ((await storeNow()).state.applied.length === 3 ? true : undefined));
    expect((await storeNow()).state.applied).toEqual([1, 3, 4]);
    expect(coordinator.subscribes.length).toBeGreaterThan(subscribesBefore);
    await eventually(async () => (coordinator.acksOf(2).includes("rejected") ? true : undefined));
    expect(coordinator.acks.find((a) => Number(a.sequence) === 2 && a.state === 3)?.detail).toBe(
      "market delisted",
    );
  });

  it("a signal due 2 s ahead survives a restart 1 s before it and is applied on time", async () => {
    const { coordinator, venue, storeNow } = await setup();
    const first = venue({ onHalt: record });
    await first.v.start();
    const due = Date.now() + 2_000;
    coordinator.append(haltFields(due));
    await eventually(async () => ((await storeNow()).inbox.length === 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, Math.max(0, due - 1_000 - Date.now())));
    await first.v.close();
    expect((await storeNow()).state.applied).toEqual([]);

    const second = venue({ onHalt: record });
    const applied: { appliedAtMs: number; effectiveAtMs: number }[] = [];
    second.v.on("applied", (info) => applied.push(info));
    await second.v.start();
    expect(second.v.pending.map((s) => s.sequence)).toEqual([1]);
    await eventually(async () => (applied.length === 1 ? true : undefined), 5_000);
    expect(applied[0]!.appliedAtMs).toBeGreaterThanOrEqual(due);
    // on time: a timer's lateness on a loaded 2-core machine, not a wait for anything else
    expect(applied[0]!.appliedAtMs - due).toBeLessThan(1_000);
    expect((await storeNow()).state.applied).toEqual([1]);
    expect(second.v.haltOf({ market: "ETH-PERP", asset: "ETH" })?.sequence).toBe(1);
    expect(coordinator.subscribes.at(-1)?.afterSequence).toBe(1);
  });

  it("a signal whose time passed while the venue was down is applied at once on restart and reported late", async () => {
    const { coordinator, venue, storeNow } = await setup();
    const first = venue({ onHalt: record });
    await first.v.start();
    const due = Date.now() + 400;
    coordinator.append(haltFields(due));
    await eventually(async () => ((await storeNow()).inbox.length === 1 ? true : undefined));
    await first.v.close();
    await new Promise((r) => setTimeout(r, Math.max(0, due + 600 - Date.now())));

    const second = venue({ onHalt: record });
    const late: { lateByMs: number }[] = [];
    second.v.on("late", (info) => late.push(info));
    await second.v.start();
    await eventually(async () => (late.length === 1 ? true : undefined));
    expect(late[0]!.lateByMs).toBeGreaterThanOrEqual(600);
    expect((await storeNow()).state.applied).toEqual([1]);
    await eventually(async () => (coordinator.acksOf(1).includes("applied") ? true : undefined));
  });

  it("acks the coordinator did not confirm before a stop are sent again after the restart", async () => {
    const { coordinator, venue, storeNow } = await setup();
    coordinator.refuseAcks = true;
    const first = venue({ onAdvisory: record });
    await first.v.start();
    coordinator.append();
    await eventually(async () => ((await storeNow()).state.applied.length === 1 ? true : undefined));
    await first.v.close();
    expect((await storeNow()).pendingAcks).toEqual([{ sequence: 1, outcome: "applied" }]);
    expect(coordinator.acks).toEqual([]);

    coordinator.refuseAcks = false;
    const second = venue({ onAdvisory: record });
    await second.v.start();
    await eventually(async () => (coordinator.acksOf(1).includes("applied") ? true : undefined));
    await eventually(async () => ((await storeNow()).pendingAcks.length === 0 ? true : undefined));
    expect((await storeNow()).state.applied).toEqual([1]);
  });
});
