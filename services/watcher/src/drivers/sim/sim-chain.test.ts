import { validatePositionUpdate, validatePriceTick } from "@breakwater/core";
import { PositionSide, PositionStatus, type PriceTick } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenario } from "./scenario.js";
import { type SimBlock, SimChain, simBlockHash } from "./sim-chain.js";

const scenario = loadScenario();
const GENESIS = 1_700_000_000_000;

function blocks(chainId: string, count: number, genesis = GENESIS): SimBlock[] {
  const chain = new SimChain(scenario, chainId, genesis);
  return Array.from({ length: count }, () => chain.produce());
}

const ids = (bs: SimBlock[]) => bs.flatMap((b) => b.events.map((e) => e.value.eventId));
const positions = (bs: SimBlock[]) =>
  bs.flatMap((b) => b.events.flatMap((e) => (e.kind === "position" ? [e.value] : [])));
const ticks = (bs: SimBlock[]) =>
  bs.flatMap((b) => b.events.flatMap((e) => (e.kind === "price" ? [e.value] : [])));

describe("SimChain", () => {
  it("behavior: the same seed, chain and block give the same events and ids", () => {
    const first = blocks("sim-a", 120);
    const second = blocks("sim-a", 120);
    expect(second).toEqual(first);
    expect(ids(first).length).toBeGreaterThan(300);
    expect(new Set(ids(first)).size).toBe(ids(first).length);
  });

  it("behavior: block hashes depend on seed, chain and number only", () => {
    const [b0] = blocks("sim-a", 1);
    expect(b0!.ref.hash).toBe(simBlockHash(42, "sim-a", 0));
    expect(blocks("sim-a", 1, GENESIS + 5_000)[0]!.ref.hash).toBe(b0!.ref.hash);
    expect(simBlockHash(43, "sim-a", 0)).not.toBe(b0!.ref.hash);
    expect(b0!.ref.hash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("behavior: another chain gets other ids", () => {
    const a = new Set(ids(blocks("sim-a", 60)));
    const b = ids(blocks("sim-b", 60));
    expect(b.length).toBeGreaterThan(0);
    expect(b.filter((id) => a.has(id))).toEqual([]);
  });

  it("behavior: resuming after block 57 yields exactly what an uninterrupted run yields", () => {
    const uninterrupted = blocks("sim-a", 100);
    const resumed = new SimChain(scenario, "sim-a", GENESIS);
    resumed.skipThrough(57);
    expect(resumed.next).toBe(58);
    const rest = Array.from({ length: 42 }, () => resumed.produce());
    expect(rest).toEqual(uninterrupted.slice(58));
  });

  it("behavior: every event passes the bus's validation and carries its coordinates", () => {
    const bs = blocks("sim-a", 200);
    for (const p of positions(bs)) expect(validatePositionUpdate(p)).toBe(p);
    for (const t of ticks(bs)) expect(validatePriceTick(t)).toBe(t);
    for (const b of bs) {
      b.events.forEach((e, i) => {
        const coordinates = e.kind === "retraction" ? undefined : e.value.coordinates;
        expect(coordinates).toMatchObject({ blockNumber: b.ref.number, blockHash: b.ref.hash, logIndex: i });
        expect(e.value.eventId).toBe(`sim-a:${b.ref.hash}:${i}`);
      });
    }
  });

  it("behavior: the first blocks open a position for every account on every venue", () => {
    const opened = positions(blocks("sim-a", 12)).filter(
      (p) => p.status === PositionStatus.POSITION_STATUS_OPEN,
    );
    const keys = (venue: string) =>
      new Set(opened.filter((p) => p.venueId === venue).map((p) => `${p.account}|${p.market}`));
    expect(keys("perp-a").size).toBe(40 * 2);
    // a loan is a collateral supply plus a USDC borrow
    expect(keys("lend-a").size).toBe(40 * 2);
    const sides = new Set(opened.map((p) => p.side));
    expect(sides).toEqual(
      new Set([
        PositionSide.POSITION_SIDE_LONG,
        PositionSide.POSITION_SIDE_SHORT,
        PositionSide.POSITION_SIDE_SUPPLY,
        PositionSide.POSITION_SIDE_BORROW,
      ]),
    );
    const perp = opened.find((p) => p.venueId === "perp-a")!;
    expect(perp).toMatchObject({ collateralAsset: "USDC" });
    expect(Number(perp.liquidationPrice)).toBeGreaterThan(0);
  });

  it("behavior: positions change over time: resizes, closes and re-opens", () => {
    const later = positions(blocks("sim-a", 400)).filter((p) => p.coordinates!.blockNumber > 12);
    expect(later.some((p) => p.status === PositionStatus.POSITION_STATUS_CLOSED)).toBe(true);
    expect(later.some((p) => p.status === PositionStatus.POSITION_STATUS_OPEN)).toBe(true);
  });

  it("behavior: the ETH crash liquidates longs and loans whose liquidation price it crosses", () => {
    // blocks 0..79 cover 0..20 s; the crash runs from 8 s to 12 s (blocks 32..48)
    const bs = blocks("sim-a", 80);
    const liquidated = positions(bs).filter((p) => p.status === PositionStatus.POSITION_STATUS_LIQUIDATED);
    expect(liquidated.length).toBeGreaterThan(0);
    for (const p of liquidated) {
      expect(p.coordinates!.blockNumber).toBeGreaterThanOrEqual(32);
      expect(["ETH", "USDC"]).toContain(p.asset);
      expect(p.side).not.toBe(PositionSide.POSITION_SIDE_SHORT);
      expect(p.size).toBe("0");
    }
  });

  it("behavior: every chain's oracle shows the crash at the same time", () => {
    const eth = (ts: PriceTick[], n: number) =>
      Number(ts.find((t) => t.asset === "ETH" && t.coordinates!.blockNumber === n)!.price);
    const a = ticks(blocks("sim-a", 60));
    const b = ticks(blocks("sim-b", 60));
    expect(a[0]!.source).toBe("sim-oracle:sim-a");
    expect(b[0]!.source).toBe("sim-oracle:sim-b");
    for (const n of [0, 32, 48]) expect(Math.abs(eth(a, n) / eth(b, n) - 1)).toBeLessThan(0.0011);
    expect(eth(a, 48) / eth(a, 32) - 1).toBeLessThan(-0.075);
    expect(eth(b, 48) / eth(b, 32) - 1).toBeLessThan(-0.075);
  });

  it("behavior: oracle ticks come every everyBlocks blocks, one per asset", () => {
    const bs = blocks("sim-b", 10);
    const tickBlocks = ticks(bs).map((t) => t.coordinates!.blockNumber);
    expect(tickBlocks).toEqual([0, 0, 0, 2, 2, 2, 4, 4, 4, 6, 6, 6, 8, 8, 8]);
  });

  it("behavior: a stall shifts block times but not block content", () => {
    const stalled = parseScenario({ ...scenario, faults: [{ atMs: 1_000, kind: "stall", forMs: 2_000 }] });
    const chain = new SimChain(stalled, "sim-a", GENESIS);
    const bs = Array.from({ length: 8 }, () => chain.produce());
    expect(bs[3]!.ref.timeMs).toBe(GENESIS + 750);
    expect(bs[4]!.ref.timeMs).toBe(GENESIS + 3_000);
    expect(bs.map((b) => b.ref.hash)).toEqual(blocks("sim-a", 8).map((b) => b.ref.hash));
  });
});
