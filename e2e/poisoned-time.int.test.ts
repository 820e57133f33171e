import { type Bus, chainEventSubject, encodeChainEvent, publish } from "@breakwater/bus";
import { eventually } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSystem, startSystem } from "./system.js";

const VENUES = ["perp-a", "lend-a", "perp-b"];
const HOUR = 3_600_000;

/**
 * A well-formed ETH tick from the chains' own oracle, dated in the future. Before bounded
 * trust in chain time, one such tick made every real source look stale, pinned the
 * reference price and kept the crash from halting, durably (it was replayed on restart).
 */
async function poison(bus: Bus, chain: string, aheadMs: number, n: number): Promise<void> {
  const at = Date.now() + aheadMs;
  const tick = {
    eventId: `${chain}:0xpoison${n}:0`,
    chainId: chain,
    source: `sim-oracle:${chain}`,
    asset: "ETH",
    price: "3000",
    coordinates: { blockNumber: 1, blockHash: `0xpoison${n}`, logIndex: 0, txHash: `0xpoison${n}` },
    chainTimeMs: at,
    observedAtMs: at,
  };
  const event = { kind: "price", value: tick } as const;
  await publish(bus, chainEventSubject(event), encodeChainEvent(event), { msgId: tick.eventId });
}

describe("bounded trust in chain time: the whole system as real processes", () => {
  let system: RunningSystem;
  let buses: Record<string, Bus> = {};
  beforeAll(async () => {
    // the crash comes 25 s after genesis: time to poison the feed and restart both services first
    system = await startSystem({
      chains: ["sim-a", "sim-b"],
      venues: VENUES,
      scenario: { shocks: [{ asset: "ETH", atMs: 25_000, move: -0.08, overMs: 4_000 }] },
    });
    // each poisoned tick comes in as its chain's watcher would publish it
    buses = {
      "sim-a": await system.connectAs({ kind: "watcher", chain: "sim-a" }),
      "sim-b": await system.connectAs({ kind: "watcher", chain: "sim-b" }),
    };
  }, 90_000);
  afterAll(async () => {
    for (const bus of Object.values(buses)) await bus.close();
    await system?.stop();
  });

  it("ticks dated 1 h and 75 years ahead are rejected and counted; after correlator and coordinator restarts the crash still halts every venue once", async () => {
    await poison(buses["sim-a"]!, "sim-a", HOUR, 1);
    await poison(buses["sim-b"]!, "sim-b", 75 * 365 * 24 * HOUR, 2);
    const correlatorHttp = system.addresses["correlator http"]!;
    await eventually(
      async () => {
        const text = await (await fetch(`${correlatorHttp}/metrics`)).text();
        const rejected = [...text.matchAll(/bw_correlator_events_rejected_total\{[^}]*\} (\d+)/g)].reduce(
          (sum, m) => sum + Number(m[1]),
          0,
        );
        return rejected >= 2 ? true : undefined;
      },
      15_000,
      "both poisoned ticks rejected",
    );
    // both services replay the poisoned events after a crash of their own
    await system.restartCorrelator(true);
    await system.restartCoordinator(true);
    await eventually(
      () =>
        VENUES.every((v) => system.signals(v).some((s) => s.kind === "circuit_breaker")) ? true : undefined,
      60_000,
      "every venue halted",
    );
    await new Promise((r) => setTimeout(r, 1_000));
    for (const v of VENUES) {
      const halts = system.signals(v).filter((s) => s.kind === "circuit_breaker");
      expect(halts, v).toHaveLength(1);
      expect(halts[0]!.scope["assets"]).toEqual(["ETH"]);
      expect(halts[0]!.level).toBe(1);
    }
  }, 120_000);
});
