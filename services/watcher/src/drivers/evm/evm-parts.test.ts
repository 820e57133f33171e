import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PublishError } from "@breakwater/bus";
import { isRetryable } from "@breakwater/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BackfillProgress } from "./backfill-progress.js";
import { ChainWindow } from "./chain-window.js";
import { EndpointHealth } from "./endpoint-health.js";
import { loadEvmChainConfig } from "./evm-config.js";
import { ChainMovedError, ParentMismatchError, SinkFailure, sinkFailuresMarked } from "./follow-errors.js";
import { OrderedBatchPublisher } from "./ordered-batch-publisher.js";
import { RateLimiter } from "./rate-limiter.js";
import { LogRangeTooLargeError, MalformedResponseError, RpcUnavailableError } from "./rpc-errors.js";
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

describe("OrderedBatchPublisher", () => {
  type Ev = { key: string; i: number };
  /** A sink that stores each batch after a delay, in an order of its own choosing. */
  function slowSink(delays: () => number, shuffle: (n: number) => number) {
    const stored: Ev[] = [];
    const batches: Ev[][] = [];
    const send = async (batch: Ev[]) => {
      batches.push(batch);
      await new Promise((r) => setTimeout(r, delays()));
      const copy = [...batch];
      while (copy.length > 0) stored.push(copy.splice(shuffle(copy.length), 1)[0]!);
    };
    return { stored, batches, send };
  }

  it("behavior: a key's later event waits for the batch holding its earlier one; others go at once", async () => {
    const sink = slowSink(
      () => 5,
      () => 0,
    );
    const p = new OrderedBatchPublisher<Ev>(sink.send, (e) => e.key, 2);
    for (const [i, key] of ["a", "b", "a", "c", "d"].entries()) p.submit({ key, i });
    await p.drain();
    expect(sink.batches.map((b) => b.map((e) => `${e.key}${e.i}`))).toEqual([
      ["a0", "b1"],
      ["c3", "d4"],
      ["a2"],
    ]);
  });

  it("property: every event is stored once and each key's events in submission order, whatever the timing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("a", "b", "c", "d", "e"), { maxLength: 80 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 1_000 }),
        async (keys, maxBatch, seed) => {
          let x = seed;
          const next = () => {
            x = (x * 1103515245 + 12345) % 2147483648;
            return x;
          };
          const sink = slowSink(
            () => next() % 4,
            (n) => next() % n,
          );
          const p = new OrderedBatchPublisher<Ev>(sink.send, (e) => e.key, maxBatch);
          const events = keys.map((key, i) => ({ key, i }));
          for (const e of events) p.submit(e);
          await p.drain();
          expect(sink.stored.map((e) => e.i).sort((m, n) => m - n)).toEqual(events.map((e) => e.i));
          for (const key of new Set(keys))
            expect(sink.stored.filter((e) => e.key === key).map((e) => e.i)).toEqual(
              events.filter((e) => e.key === key).map((e) => e.i),
            );
          for (const batch of sink.batches) expect(new Set(batch.map((e) => e.key)).size).toBe(batch.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("failure: drain rejects with the first failure and sends nothing that waited on it", async () => {
    const sent: string[] = [];
    const p = new OrderedBatchPublisher<Ev>(
      async (batch) => {
        sent.push(...batch.map((e) => `${e.key}${e.i}`));
        if (batch.some((e) => e.key === "a")) throw new Error("stream unavailable");
      },
      (e) => e.key,
      10,
    );
    p.submit({ key: "a", i: 0 });
    p.submit({ key: "a", i: 1 });
    await expect(p.drain()).rejects.toThrow("stream unavailable");
    expect(sent).toEqual(["a0"]);
  });
});

describe("follow errors", () => {
  it("behavior: failures of reading the chain are retryable; a reorg found and anything else are not", () => {
    expect(
      [
        new RpcUnavailableError("eth_blockNumber", []),
        new MalformedResponseError("a", "eth_getBlockByNumber", "no hash"),
        new ChainMovedError("block 5 is not available yet", { block: 5 }),
        new LogRangeTooLargeError(1, 9, "too many results"),
      ].map(isRetryable),
    ).toEqual([true, true, true, true]);
    expect([new ParentMismatchError(5, "0xa", "0xb"), new Error("x")].map(isRetryable)).toEqual([
      false,
      false,
    ]);
  });

  it("behavior: the sink's failures come out as a SinkFailure holding the original, even a retryable one", async () => {
    const refused = new PublishError("bw.chain.evm-a.price", "no responders");
    const marked = sinkFailuresMarked({
      head: async () => undefined,
      publish: async () => {
        throw refused;
      },
      processed: async () => undefined,
      trouble: () => undefined,
    });
    expect(marked.publishBatch).toBeUndefined();
    const err = await marked
      .publish({
        kind: "retraction",
        value: { eventId: "e", chainId: "evm-a", retractedEventId: "d", reason: "reorg", observedAtMs: 0 },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkFailure);
    expect(isRetryable(err)).toBe(false);
    expect((err as SinkFailure).failure).toBe(refused);
    await expect(marked.head({ number: 1, hash: "0x1", timeMs: 0 })).resolves.toBeUndefined();
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

  it("behavior: a mapped options venue's contract mapping is checked against its ABI", () => {
    const venue = (option: Record<string, unknown>) => ({
      chainId: 1,
      rpc: ["https://a.example"],
      adapters: [
        {
          kind: "mapped",
          venueId: "opt",
          address: `0x${"cd".repeat(20)}`,
          abi: ["event Pos(address indexed holder, bool isCall, uint256 strike, uint64 expiry, uint256 qty)"],
          events: {
            Pos: {
              account: { field: "holder" },
              market: { value: "ETH-OPT" },
              side: { value: "LONG" },
              size: { field: "qty", decimals: 18 },
              option,
            },
          },
        },
      ],
    });
    const ok = loadEvmChainConfig(
      write(
        venue({
          kind: { field: "isCall", map: { true: "CALL", false: "PUT" } },
          strike: { field: "strike", decimals: 8 },
          expirySeconds: { field: "expiry" },
          markPrice: { value: "12.5" },
        }),
      ),
    );
    expect(ok.ok).toBe(true);
    const bad = loadEvmChainConfig(
      write(venue({ kind: { value: "CALL" }, strike: { field: "k" }, expiry: 1 })),
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    const text = bad.problems.join("\n");
    expect(text).toMatch(/expirySeconds/);
    expect(text).toMatch(/expiry/);
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
