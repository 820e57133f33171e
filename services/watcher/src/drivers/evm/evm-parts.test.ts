import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BackfillProgress } from "./backfill-progress.js";
import { ChainWindow } from "./chain-window.js";
import { EndpointHealth } from "./endpoint-health.js";
import { loadEvmChainConfig } from "./evm-config.js";
import { orderedWaves } from "./ordered-waves.js";
import { RateLimiter } from "./rate-limiter.js";
import { parseRpcLogs } from "./rpc-schemas.js";

describe("ChainWindow", () => {
  it("default: keeps the blocks of the last spanBlocks numbers and survives serialisation", () => {
    const w = new ChainWindow(4);
    for (let n = 1; n <= 6; n++) w.add({ number: n, hash: `0x${n}`, eventIds: n === 5 ? ["c:0x5:0"] : [] });
    expect(w.newestFirst().map((e) => e.number)).toEqual([6, 5, 4, 3]);
    const back = ChainWindow.parse(w.serialize(), 4);
    expect(back.hashAt(5)).toBe("0x5");
    expect(back.newestFirst()).toEqual(w.newestFirst());
  });

  it("behavior: dropAbove returns the orphaned blocks newest first; blocks go in order only", () => {
    const w = new ChainWindow(10);
    for (let n = 1; n <= 5; n++) w.add({ number: n, hash: `0x${n}`, eventIds: [`id${n}`] });
    expect(w.dropAbove(2).map((e) => e.number)).toEqual([5, 4, 3]);
    expect(w.newest?.number).toBe(2);
    expect(() => w.add({ number: 2, hash: "0x2b", eventIds: [] })).toThrow(RangeError);
    expect(() => ChainWindow.parse('[[1,"0x1",[2]]]', 10)).toThrow(/bad entry/);
  });
});

describe("EndpointHealth", () => {
  const health = () => new EndpointHealth({ minBackoffMs: 100, maxBackoffMs: 1_000, recheckMs: 5_000 });

  it("behavior: failures back off exponentially; a success puts it back in rotation", () => {
    const h = health();
    h.succeeded(10);
    expect(h.failed(0, "timeout")).toBe(100);
    expect(h.usable(50)).toBe(false);
    expect(h.usable(100)).toBe(true);
    expect(h.failed(100, "timeout")).toBe(200);
    expect(h.failed(300, "timeout")).toBe(400);
    h.succeeded(10);
    expect(h.state).toBe("ok");
    for (let i = 0; i < 10; i++) h.failed(0, "x");
    expect(h.failed(0, "x")).toBe(1_000);
  });

  it("behavior: a wrong chain id excludes until the recheck; a head far behind excludes until it catches up", () => {
    const h = health();
    h.wrongChain(0, "reports chain id 1");
    expect(h.usable(4_999)).toBe(false);
    expect(h.needsChainCheck()).toBe(true);
    h.chainOk();
    h.observeHead(80, 100, 10);
    expect(h.state).toBe("behind");
    expect(h.usable(0)).toBe(false);
    expect(h.detail).toBe("head 80 is 20 blocks behind 100");
    h.observeHead(95, 100, 10);
    expect(h.state).toBe("ok");
  });

  it("behavior: candidates are ordered by score, then latency", () => {
    const good = health();
    good.succeeded(50);
    const flaky = health();
    flaky.failed(0, "x");
    const fast = health();
    fast.succeeded(5);
    expect([flaky, good, fast].sort(EndpointHealth.compare)).toEqual([fast, good, flaky]);
  });
});

describe("RateLimiter", () => {
  it("behavior: allows a burst, then spaces requests at the rate", () => {
    let now = 0;
    const r = new RateLimiter(10, 2, () => now);
    expect([r.reserve(), r.reserve(), r.reserve()]).toEqual([0, 0, 100]);
    now = 1_000;
    expect(r.reserve()).toBe(0);
    expect(new RateLimiter(0).reserve()).toBe(0);
  });
});

describe("BackfillProgress", () => {
  it("default: blocks done, rate over the window and an ETA", () => {
    const p = new BackfillProgress(1_000, 0);
    expect(p.etaSeconds(5_000)).toBeUndefined();
    p.record(1_999, 1_000);
    expect(p.blocksDone()).toBe(1_000);
    expect(p.rate()).toBe(1_000);
    expect(p.etaSeconds(5_999)).toBe(4);
  });
});

describe("orderedWaves", () => {
  it("behavior: the n-th event of each key goes to wave n; order within a key is kept", () => {
    const events = ["a1", "b1", "a2", "c1", "a3", "b2"];
    expect(orderedWaves(events, (e) => e[0]!)).toEqual([["a1", "b1", "c1"], ["a2", "b2"], ["a3"]]);
    expect(orderedWaves([], (e: string) => e)).toEqual([]);
  });

  it("property: waves hold every event once, no key twice in a wave, and each key's events in order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("a", "b", "c", "d"), fc.nat()), { maxLength: 60 }),
        (raw) => {
          const events = raw.map(([key], i) => ({ key, i }));
          const waves = orderedWaves(events, (e) => e.key);
          expect(waves.flat().length).toBe(events.length);
          for (const wave of waves) expect(new Set(wave.map((e) => e.key)).size).toBe(wave.length);
          const flat = waves.flat();
          for (const key of ["a", "b", "c", "d"]) {
            const mine = events.filter((e) => e.key === key).map((e) => e.i);
            const inWaves = waves.flatMap((w) => w.filter((e) => e.key === key).map((e) => e.i));
            expect(inWaves).toEqual(mine);
          }
          expect(flat.every((e) => events.includes(e))).toBe(true);
        },
      ),
    );
  });
});

describe("loadEvmChainConfig", () => {
  const write = (content: unknown) => {
    const file = join(mkdtempSync(join(tmpdir(), "bw-evm-cfg-")), "chain.json");
    writeFileSync(file, JSON.stringify(content));
    return file;
  };

  it("default: fills defaults and lowercases addresses", () => {
    const r = loadEvmChainConfig(
      write({
        chainId: 42161,
        rpc: ["https://arb.example/v2/key", { url: "https://b.example", requestsPerSecond: 20 }],
        adapters: [
          {
            kind: "chainlink",
            address: `0x${"AB".repeat(20)}`,
            asset: "ETH",
            pair: "ETH/USD",
            heartbeatSeconds: 86400,
          },
        ],
      }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({ confirmations: 2, windowBlocks: 128, startBlock: "latest" });
    expect(r.config.rpc[0]).toEqual({ url: "https://arb.example/v2/key" });
    expect(r.config.adapters[0]!.address).toBe(`0x${"ab".repeat(20)}`);
  });

  it("behavior: every problem is reported with its path", () => {
    const r = loadEvmChainConfig(
      write({
        chainId: -1,
        confirmations: "two",
        adapters: [{ kind: "perp-venue", venueId: "v", address: "0x12" }, { kind: "dex" }],
        surprise: true,
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.problems.join("\n");
    expect(text).toMatch(/chainId: /);
    expect(text).toMatch(/confirmations: /);
    expect(text).toMatch(/adapters\.0\.address: must be a 0x-prefixed 20-byte address/);
    expect(text).toMatch(/adapters\.1\.kind: /);
    expect(text).toMatch(/surprise/);
  });
});

describe("parseRpcLogs", () => {
  const good = {
    address: "0xABCDEFabcdef0123456789abcdef0123456789AB",
    topics: [`0x${"A".repeat(64)}`],
    data: "0x",
    blockNumber: "0x1a",
    blockHash: `0x${"b".repeat(64)}`,
    logIndex: "0x0",
    transactionHash: `0x${"c".repeat(64)}`,
    removed: false,
  };

  it("behavior: parses numbers and lowercases addresses, hashes and topics", () => {
    expect(parseRpcLogs([good])).toEqual([
      {
        address: "0xabcdefabcdef0123456789abcdef0123456789ab",
        topics: [`0x${"a".repeat(64)}`],
        data: "0x",
        blockNumber: 26,
        blockHash: `0x${"b".repeat(64)}`,
        logIndex: 0,
        transactionHash: `0x${"c".repeat(64)}`,
      },
    ]);
  });

  it("failure: names the first bad field of the first bad log", () => {
    const bad = (patch: Record<string, unknown>) => () => parseRpcLogs([good, { ...good, ...patch }]);
    expect(() => parseRpcLogs({})).toThrow("result: not an array of logs");
    expect(() => parseRpcLogs([null])).toThrow("0: not a log object");
    expect(bad({ address: "0x12" })).toThrow("1.address: not an address");
    expect(bad({ topics: [good.topics[0], "0xzz"] })).toThrow("1.topics.1: not a 32-byte hash");
    expect(bad({ topics: Array(5).fill(good.topics[0]) })).toThrow(
      "1.topics: not a list of at most 4 topics",
    );
    expect(bad({ data: "nothex" })).toThrow("1.data: not hex");
    expect(bad({ blockNumber: 26 })).toThrow("1.blockNumber: not a hex quantity");
    expect(bad({ logIndex: "0x" })).toThrow("1.logIndex: not a hex quantity");
    expect(bad({ blockHash: "0x1" })).toThrow("1.blockHash: not a 32-byte hash");
    expect(bad({ transactionHash: undefined })).toThrow("1.transactionHash: not a 32-byte hash");
    expect(bad({ removed: "no" })).toThrow("1.removed: not a boolean");
  });
});
