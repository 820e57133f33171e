import { type ChainHeartbeat, ChainStatus } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { ChainFreshnessTracker } from "./chain-freshness.js";

const T0 = 1_700_000_000_000;

function hb(
  chainId: string,
  observedAtMs: number,
  status = ChainStatus.CHAIN_STATUS_HEALTHY,
): ChainHeartbeat {
  return {
    chainId,
    headNumber: 7,
    headHash: "0x07",
    headTimeMs: observedAtMs,
    processedNumber: 7,
    observedAtMs,
    status,
    detail: "",
  };
}

describe("ChainFreshnessTracker", () => {
  it("default: a chain that heartbeats within the bound is fresh", () => {
    const t = new ChainFreshnessTracker(5_000);
    t.heartbeat(hb("sim-a", T0), T0);
    expect(t.view(T0 + 5_000)).toEqual([
      {
        chainId: "sim-a",
        lastHeartbeatMs: T0,
        ageMs: 5_000,
        stale: false,
        status: "CHAIN_STATUS_HEALTHY",
        headNumber: 7,
        detail: "",
      },
    ]);
  });

  it("behavior: a DEGRADED or DOWN report is kept with its reason until a newer heartbeat; degraded() lists them", () => {
    const t = new ChainFreshnessTracker(5_000);
    t.heartbeat(
      { ...hb("evm-a", T0, ChainStatus.CHAIN_STATUS_DEGRADED), detail: "sequencer down since 12:00" },
      T0,
    );
    t.heartbeat({ ...hb("evm-b", T0, ChainStatus.CHAIN_STATUS_DOWN), detail: "driver failed" }, T0);
    t.heartbeat(hb("sim-a", T0), T0);
    // a DEGRADED chain is not stale (its watcher speaks), but it is degraded, with the reason
    expect(t.isStale("evm-a", T0)).toBe(false);
    expect(t.degraded(["sim-a", "evm-b", "evm-a", "unknown"])).toEqual([
      { chainId: "evm-a", status: ChainStatus.CHAIN_STATUS_DEGRADED, detail: "sequencer down since 12:00" },
      { chainId: "evm-b", status: ChainStatus.CHAIN_STATUS_DOWN, detail: "driver failed" },
    ]);
    expect(t.view(T0).find((c) => c.chainId === "evm-a")).toMatchObject({
      status: "CHAIN_STATUS_DEGRADED",
      detail: "sequencer down since 12:00",
    });
    // an older heartbeat arriving late changes nothing; a newer healthy one clears it
    t.heartbeat(hb("evm-a", T0 - 1), T0 + 1);
    expect(t.degraded(["evm-a"])).toHaveLength(1);
    t.heartbeat(hb("evm-a", T0 + 2), T0 + 2);
    expect(t.degraded(["evm-a"])).toEqual([]);
  });

  it("behavior: silent for longer than the bound is stale", () => {
    const t = new ChainFreshnessTracker(5_000);
    t.heartbeat(hb("sim-a", T0), T0);
    t.heartbeat(hb("sim-b", T0 + 4_000), T0 + 4_000);
    expect(t.isStale("sim-a", T0 + 5_001)).toBe(true);
    expect(t.staleChains(T0 + 5_001)).toEqual(["sim-a"]);
  });

  it("behavior: a heartbeat saying the chain is down makes it stale at once", () => {
    const t = new ChainFreshnessTracker(5_000);
    t.heartbeat(hb("sim-a", T0, ChainStatus.CHAIN_STATUS_DOWN), T0);
    expect(t.isStale("sim-a", T0)).toBe(true);
    t.heartbeat(hb("sim-a", T0 + 1, ChainStatus.CHAIN_STATUS_HEALTHY), T0 + 1);
    expect(t.isStale("sim-a", T0 + 1)).toBe(false);
  });

  it("behavior: a replayed old heartbeat keeps a silent chain stale after a restart", () => {
    const t = new ChainFreshnessTracker(5_000);
    // received now (replay), observed a minute ago
    t.heartbeat(hb("sim-a", T0 - 60_000), T0);
    expect(t.view(T0)[0]).toMatchObject({ lastHeartbeatMs: T0 - 60_000, ageMs: 60_000, stale: true });
  });

  it("behavior: a watcher clock running ahead cannot keep a chain fresh", () => {
    const t = new ChainFreshnessTracker(5_000);
    t.heartbeat(hb("sim-a", T0 + 3_600_000), T0);
    expect(t.isStale("sim-a", T0 + 5_001)).toBe(true);
  });

  it("behavior: a late, older heartbeat does not move the time back or change the status", () => {
    const t = new ChainFreshnessTracker(5_000);
    t.heartbeat(hb("sim-a", T0 + 10), T0 + 10);
    t.heartbeat(hb("sim-a", T0, ChainStatus.CHAIN_STATUS_DOWN), T0 + 11);
    expect(t.view(T0 + 11)[0]).toMatchObject({ lastHeartbeatMs: T0 + 10, stale: false });
  });

  it("behavior: a chain seen only through events ages from when it was first seen", () => {
    const t = new ChainFreshnessTracker(5_000);
    t.seen("sim-c", T0, T0);
    expect(t.view(T0 + 1_000)[0]).toMatchObject({ lastHeartbeatMs: 0, ageMs: 1_000, stale: false });
    expect(t.isStale("sim-c", T0 + 5_001)).toBe(true);
  });

  it("behavior: an unknown chain counts as stale and chains are listed by id", () => {
    const t = new ChainFreshnessTracker(5_000);
    t.heartbeat(hb("sim-b", T0), T0);
    t.heartbeat(hb("sim-a", T0), T0);
    expect(t.isStale("nowhere", T0)).toBe(true);
    expect(t.view(T0).map((c) => c.chainId)).toEqual(["sim-a", "sim-b"]);
    expect(t.size).toBe(2);
  });
});
