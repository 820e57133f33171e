import { ChainStatus } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { ChainProgress } from "./chain-progress.js";

const block = (number: number, timeMs: number) => ({ number, hash: `0x${number}`, timeMs });

function following(): ChainProgress {
  const p = new ChainProgress({ staleMs: 1_000, downMs: 5_000 });
  p.connected = true;
  p.setHead(block(10, 10_000));
  p.setProcessed(block(10, 10_000));
  return p;
}

describe("ChainProgress", () => {
  it("default: a fresh head that is processed is healthy and ready", () => {
    const p = following();
    expect(p.health(10_500)).toEqual({ status: ChainStatus.CHAIN_STATUS_HEALTHY, detail: "following" });
    expect(p.notReadyReason(10_500)).toBeUndefined();
  });

  it("behavior: not ready before the bus is connected and the first block is seen", () => {
    const p = new ChainProgress({ staleMs: 1_000, downMs: 5_000 });
    expect(p.notReadyReason(0)).toBe("not connected to NATS");
    p.connected = true;
    expect(p.notReadyReason(0)).toBe("not following yet: no block seen");
    expect(p.health(0).status).toBe(ChainStatus.CHAIN_STATUS_DEGRADED);
  });

  it("behavior: a stale head degrades the chain, then marks it down", () => {
    const p = following();
    expect(p.health(11_500)).toEqual({
      status: ChainStatus.CHAIN_STATUS_DEGRADED,
      detail: "no new block for 1.5s (head 10)",
    });
    expect(p.notReadyReason(11_500)).toBe("head is stale: no new block for 1.5s");
    expect(p.health(15_001).status).toBe(ChainStatus.CHAIN_STATUS_DOWN);
  });

  it("behavior: processing far behind the head is degraded but ready", () => {
    const p = following();
    p.setHead(block(40, 13_000));
    expect(p.health(13_100)).toEqual({
      status: ChainStatus.CHAIN_STATUS_DEGRADED,
      detail: "catching up: 30 blocks behind the head",
    });
    expect(p.notReadyReason(13_100)).toBeUndefined();
  });

  it("behavior: a driver failure is down until a block is processed again", () => {
    const p = following();
    p.setFailure("publish failed");
    expect(p.health(10_100)).toEqual({
      status: ChainStatus.CHAIN_STATUS_DOWN,
      detail: "driver failed: publish failed",
    });
    expect(p.notReadyReason(10_100)).toBe("driver failed: publish failed");
    p.setProcessed(block(11, 10_250));
    expect(p.health(10_300).status).toBe(ChainStatus.CHAIN_STATUS_HEALTHY);
  });

  it("behavior: driver trouble degrades; an older head never replaces a newer one", () => {
    const p = following();
    p.setTrouble("rpc timeouts");
    expect(p.health(10_100)).toEqual({ status: ChainStatus.CHAIN_STATUS_DEGRADED, detail: "rpc timeouts" });
    p.setTrouble(undefined);
    p.setHead(block(9, 9_750));
    expect(p.head?.number).toBe(10);
  });
});
