import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, connectBus } from "@breakwater/bus";
import {
  type EvmLab,
  eventually,
  type NatsServer,
  type RpcProxy,
  type ServiceProcess,
  startEvmLab,
  startNats,
  startRpcProxy,
  startService,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointOf, WATCHER_ENTRY } from "../../test-helpers.js";
import { duplicateIds, publishedEvents } from "./evm-test-helpers.js";

const CHAIN = "evm-failover";

describe("EVM watcher with several RPC endpoints", () => {
  let nats: NatsServer;
  let bus: Bus;
  let lab: EvmLab;
  let a: RpcProxy;
  let b: RpcProxy;
  let liar: RpcProxy;
  let watcher: ServiceProcess;
  let http: string;

  const processed = async () => (await checkpointOf(bus, CHAIN))?.blockNumber ?? -1;
  const metrics = async () => (await fetch(`${http}/metrics`)).text();
  const counter = (text: string, name: string, labels: string) =>
    Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)`, "m").exec(text)?.[1] ?? 0);
  const endpoint = (p: RpcProxy) => `127.0.0.1:${p.port}`;

  beforeAll(async () => {
    [nats, lab] = await Promise.all([startNats(), startEvmLab({ chain: CHAIN })]);
    bus = await connectBus({ url: nats.url, name: "evm-failover-test" });
    [a, b, liar] = await Promise.all([
      startRpcProxy(lab.rpcUrl),
      startRpcProxy(lab.rpcUrl),
      startRpcProxy(lab.rpcUrl, { kind: "wrong-chain", chainId: 1 }),
    ]);
    const file = join(mkdtempSync(join(tmpdir(), "bw-evm-")), "chain.json");
    lab.writeChainConfig(file, { pollMs: 100, requestTimeoutMs: 1000 });
    watcher = startService(WATCHER_ENTRY, ["--chain", CHAIN], {
      BW_NATS_URL: nats.url,
      BW_HTTP_PORT: "0",
      BW_DRIVER: "evm",
      BW_EVM_CONFIG: file,
      BW_EVM_RPC_URLS: [liar.url, a.url, b.url].join(","),
      BW_HEAD_STALE_MS: "600000",
      BW_HEAD_DOWN_MS: "1200000",
    });
    http = (JSON.parse(await watcher.waitFor(/"msg":"watcher started"/)) as { http: string }).http;
  });

  afterAll(async () => {
    await watcher?.kill();
    await Promise.all([a?.stop(), b?.stop(), liar?.stop()]);
    await bus?.close();
    await Promise.all([nats?.dispose(), lab?.stop()]);
  });

  it("behavior: an endpoint reporting another chain id is out of rotation and never used", async () => {
    const tx = await lab.open(0, "ETH-PERP", true, 1, 300);
    await eventually(async () => ((await processed()) >= tx.blockNumber ? true : undefined));
    const m = await metrics();
    expect(m).toMatch(
      new RegExp(
        `^bw_watcher_rpc_endpoint_in_rotation\\{chain="${CHAIN}",endpoint="${endpoint(liar)}"\\} 0$`,
        "m",
      ),
    );
    expect(
      counter(
        m,
        "bw_watcher_rpc_errors_total",
        `chain="${CHAIN}",endpoint="${endpoint(liar)}",reason="wrong_chain"`,
      ),
    ).toBeGreaterThan(0);
    expect(watcher.output()).toMatch(
      /"detail":"reports chain id 1, expected 31337".*"msg":"RPC endpoint out of rotation"/,
    );
    // the liar was asked its chain id and nothing else
    expect([...liar.calls.keys()]).toEqual(["eth_chainId"]);
  });

  it("behavior: when an endpoint dies the watcher fails over to the next, for either endpoint", async () => {
    for (const [dead, alive] of [
      [a, b],
      [b, a],
    ] as const) {
      dead.setFault({ kind: "down" });
      const tx = await lab.open(dead === a ? 1 : 2, "ETH-PERP", false, 1, 300);
      await eventually(async () => ((await processed()) >= tx.blockNumber ? true : undefined), 10_000);
      dead.setFault({ kind: "none" });
      expect(alive.calls.get("eth_getLogs") ?? 0).toBeGreaterThan(0);
    }
    const m = await metrics();
    const transportErrors =
      counter(
        m,
        "bw_watcher_rpc_errors_total",
        `chain="${CHAIN}",endpoint="${endpoint(a)}",reason="transport"`,
      ) +
      counter(
        m,
        "bw_watcher_rpc_errors_total",
        `chain="${CHAIN}",endpoint="${endpoint(b)}",reason="transport"`,
      );
    expect(transportErrors).toBeGreaterThan(0);
  });

  it("behavior: an endpoint slower than the request timeout is failed over", async () => {
    const timeouts = async () =>
      counter(
        await metrics(),
        "bw_watcher_rpc_errors_total",
        `chain="${CHAIN}",endpoint="${endpoint(a)}",reason="transport"`,
      );
    const before = await timeouts();
    a.setFault({ kind: "slow", ms: 3_000 }); // requestTimeoutMs is 1000
    const tx = await lab.open(5, "ETH-PERP", true, 1, 300);
    await eventually(async () => ((await processed()) >= tx.blockNumber ? true : undefined), 10_000);
    await eventually(
      async () => ((await timeouts()) > before ? true : undefined),
      10_000,
      "a timeout counted",
    );
    a.setFault({ kind: "none" });
  });

  it("behavior: garbage responses are rejected with a metric and nothing is published until a good endpoint answers", async () => {
    const before = await publishedEvents(bus, CHAIN);
    const rejectedBefore = counter(
      await metrics(),
      "bw_watcher_rpc_errors_total",
      `chain="${CHAIN}",endpoint="${endpoint(b)}",reason="malformed"`,
    );
    a.setFault({ kind: "down" });
    b.setFault({ kind: "garbage", methods: ["eth_getLogs", "eth_getBlockByNumber", "eth_blockNumber"] });
    const tx = await lab.open(3, "ETH-PERP", true, 4, 1000);
    await eventually(async () => {
      const n = counter(
        await metrics(),
        "bw_watcher_rpc_errors_total",
        `chain="${CHAIN}",endpoint="${endpoint(b)}",reason="malformed"`,
      );
      return n >= rejectedBefore + 3 ? true : undefined;
    }, 10_000);
    expect(await processed()).toBeLessThan(tx.blockNumber);
    expect((await publishedEvents(bus, CHAIN)).length).toBe(before.length);
    expect(watcher.output()).toMatch(/"msg":"rejected a malformed RPC response; trying another endpoint"/);

    a.setFault({ kind: "none" });
    b.setFault({ kind: "none" });
    await eventually(async () => ((await processed()) >= tx.blockNumber ? true : undefined), 15_000);
    const after = await publishedEvents(bus, CHAIN);
    const fresh = after.slice(before.length);
    expect(fresh.map((e) => e.kind)).toEqual(["position"]);
    expect(fresh[0]!.value).toMatchObject({
      eventId: `${CHAIN}:${tx.blockHash}:0`,
      size: "4",
      coordinates: { blockNumber: tx.blockNumber, blockHash: tx.blockHash },
    });
    expect(duplicateIds(after)).toEqual([]);
  });

  it("behavior: an endpoint far behind the others is out of rotation until it catches up", async () => {
    const inRotation = async () =>
      new RegExp(
        `^bw_watcher_rpc_endpoint_in_rotation\\{chain="${CHAIN}",endpoint="${endpoint(a)}"\\} (\\d)$`,
        "m",
      ).exec(await metrics())?.[1];
    a.setFault({ kind: "behind", blocks: 50 });
    await lab.node.mine(60);
    await watcher.waitFor(/"to":"behind","detail":"head \d+ is 50 blocks behind \d+"/, 10_000);
    expect(await inRotation()).toBe("0");
    const getLogsBefore = a.calls.get("eth_getLogs") ?? 0;
    const tx = await lab.open(4, "ETH-PERP", true, 1, 300);
    await eventually(async () => ((await processed()) >= tx.blockNumber ? true : undefined));
    expect(a.calls.get("eth_getLogs") ?? 0).toBe(getLogsBefore);

    a.setFault({ kind: "none" });
    await lab.node.mine(1);
    await eventually(
      async () => ((await inRotation()) === "1" ? true : undefined),
      10_000,
      "back in rotation",
    );
  });
});
