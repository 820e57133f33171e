// A Chainlink feed read through its proxy on a Hardhat chain: the proxy's
// AggregatorConfirmed, and its aggregator() re-read at start, move the feed to
// the new aggregator (MockAggregatorProxy and MockAggregator in libs/testkit).
import type { PriceTick } from "@breakwater/proto";
import { createLogger } from "@breakwater/telemetry";
import { type EvmLab, eventually, loadArtifact, startEvmLab } from "@breakwater/testkit";
import { createWalletClient, type Hex, http, parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evmChainSchema } from "../evm-config.js";
import { EvmDriver } from "../evm-driver.js";
import { evmMetrics } from "../evm-metrics.js";
import { MemorySink } from "../evm-test-helpers.js";

describe("chainlink feed behind a proxy (driver in-process)", () => {
  let lab: EvmLab;
  let send: (
    to: Hex,
    abi: "MockAggregator" | "MockAggregatorProxy",
    fn: string,
    args: unknown[],
  ) => Promise<number>;
  let deploy: (name: "MockAggregator" | "MockAggregatorProxy", args: unknown[]) => Promise<Hex>;
  const usd = (x: number) => parseUnits(String(x), 8);

  beforeAll(async () => {
    lab = await startEvmLab({ chain: "evm-proxy", prices: { ETH: 3000 } });
    const accounts = await lab.node.rpc<Hex[]>("eth_accounts");
    const wallet = createWalletClient({ account: accounts[0]!, transport: http(lab.rpcUrl) });
    const receipt = async (hash: Hex) => {
      for (;;) {
        const r = await lab.node.rpc<{ contractAddress: Hex | null; blockNumber: string } | null>(
          "eth_getTransactionReceipt",
          [hash],
        );
        if (r) return r;
        await new Promise((done) => setTimeout(done, 10));
      }
    };
    deploy = async (name, args) => {
      const a = loadArtifact(name);
      const hash = await wallet.deployContract({ abi: a.abi, bytecode: a.bytecode, args, chain: null });
      return (await receipt(hash)).contractAddress!;
    };
    send = async (to, abi, functionName, args) => {
      const hash = await wallet.writeContract({
        address: to,
        abi: loadArtifact(abi).abi,
        functionName,
        args,
        chain: null,
      });
      return Number.parseInt((await receipt(hash)).blockNumber, 16);
    };
  }, 60_000);

  afterAll(async () => {
    await lab?.stop();
  });

  const follow = (startBlock: number, feed: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const config = evmChainSchema.parse(
      lab.chainConfig({
        startBlock,
        pollMs: 50,
        adapters: [{ kind: "chainlink", asset: "ETH", pair: "ETH/USD", heartbeatSeconds: 3600, ...feed }],
        ...extra,
      }),
    );
    const sink = new MemorySink();
    const driver = new EvmDriver({ chainId: "evm-proxy", config, log: createLogger("test", "silent") });
    const abort = new AbortController();
    const done = driver.start(undefined, sink, abort.signal);
    return {
      sink,
      prices: () =>
        sink.events.map((e) => [
          (e.value as PriceTick).price,
          (e.value as PriceTick).coordinates!.blockNumber,
        ]),
      until: (block: number) => eventually(() => (sink.processedBlock >= block ? true : undefined), 30_000),
      stop: async () => {
        abort.abort();
        await done;
      },
    };
  };
  const changes = async () =>
    (await evmMetrics.feedAggregatorChanges.get()).values.reduce((sum, v) => sum + v.value, 0);
  const rejected = async (reason: string) =>
    (await evmMetrics.logsRejected.get()).values.find(
      (v) => v.labels["reason"] === reason && v.labels["chain"] === "evm-proxy",
    )?.value ?? 0;

  it("default: an AggregatorConfirmed moves the feed to the new aggregator, whose answers are followed from then on", async () => {
    const a = await deploy("MockAggregator", [8, "ETH / USD", usd(3000)]);
    const proxy = await deploy("MockAggregatorProxy", [a]);
    const b = await deploy("MockAggregator", [8, "ETH / USD", usd(3100)]);
    const changesBefore = await changes();
    const feed = follow((await lab.node.blockNumber()) + 1, { proxy });
    const p1 = await send(a, "MockAggregator", "updateAnswer", [usd(3010)]);
    await feed.until(p1);
    await send(proxy, "MockAggregatorProxy", "proposeAggregator", [b]);
    const confirmed = await send(proxy, "MockAggregatorProxy", "confirmAggregator", [b]);
    await feed.until(confirmed);
    const p2 = await send(b, "MockAggregator", "updateAnswer", [usd(3200)]);
    const stale = await send(a, "MockAggregator", "updateAnswer", [usd(2900)]); // the old one: not the feed
    await feed.until(stale);
    await feed.stop();
    // the confirmation block ticks the new aggregator's latest answer (3,100), the price the proxy serves
    expect(feed.prices()).toEqual([
      ["3010", p1],
      ["3100", confirmed],
      ["3200", p2],
    ]);
    expect((await changes()) - changesBefore).toBe(1);
  }, 60_000);

  it("behavior: started after a change it missed, the feed reads the proxy's aggregator() and follows the new one", async () => {
    const a = await deploy("MockAggregator", [8, "ETH / USD", usd(3000)]);
    const proxy = await deploy("MockAggregatorProxy", [a]);
    const b = await deploy("MockAggregator", [8, "ETH / USD", usd(3100)]);
    await send(proxy, "MockAggregatorProxy", "proposeAggregator", [b]);
    await send(proxy, "MockAggregatorProxy", "confirmAggregator", [b]);
    // configured with the aggregator it had: the proxy's aggregator() wins
    const feed = follow((await lab.node.blockNumber()) + 1, { proxy, address: a });
    const old = await send(a, "MockAggregator", "updateAnswer", [usd(2900)]);
    const p = await send(b, "MockAggregator", "updateAnswer", [usd(3300)]);
    await feed.until(Math.max(old, p));
    await feed.stop();
    expect(feed.prices()).toEqual([["3300", p]]);
  }, 60_000);

  it("behavior: in a backfill range holding the change, answers of the aggregator left are refused and counted", async () => {
    const a = await deploy("MockAggregator", [8, "ETH / USD", usd(3000)]);
    const proxy = await deploy("MockAggregatorProxy", [a]);
    const b = await deploy("MockAggregator", [8, "ETH / USD", usd(3100)]);
    const start = (await lab.node.blockNumber()) + 1;
    const p1 = await send(a, "MockAggregator", "updateAnswer", [usd(3010)]);
    await send(proxy, "MockAggregatorProxy", "proposeAggregator", [b]);
    const confirmed = await send(proxy, "MockAggregatorProxy", "confirmAggregator", [b]);
    const old = await send(a, "MockAggregator", "updateAnswer", [usd(2900)]);
    for (let i = 0; i < 10; i++) await lab.node.rpc("evm_mine"); // deep enough for one range
    const refusedBefore = await rejected("superseded_aggregator");
    const feed = follow(start, { proxy }, { followRangeBlocks: 2, confirmations: 0 });
    await feed.until(old + 5);
    await feed.stop();
    expect(feed.prices()).toEqual([
      ["3010", p1],
      ["3100", confirmed],
    ]);
    expect((await rejected("superseded_aggregator")) - refusedBefore).toBe(1);
  }, 60_000);
});
