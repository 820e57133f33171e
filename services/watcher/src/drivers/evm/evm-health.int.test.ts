import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type EvmLab,
  eventually,
  type NatsServer,
  type ServiceProcess,
  startEvmLab,
  startNats,
  startService,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WATCHER_ENTRY } from "../../test-helpers.js";

const CHAIN = "evm-health";

describe("EVM watcher health", () => {
  let nats: NatsServer;
  let lab: EvmLab;
  let watcher: ServiceProcess;
  let http: string;

  beforeAll(async () => {
    // a block a second
    [nats, lab] = await Promise.all([startNats(), startEvmLab({ chain: CHAIN, blockTimeMs: 1000 })]);
    const file = join(mkdtempSync(join(tmpdir(), "bw-evm-")), "chain.json");
    lab.writeChainConfig(file, { pollMs: 100, startBlock: "latest", confirmations: 1 });
    watcher = startService(WATCHER_ENTRY, ["--chain", CHAIN], {
      BW_NATS_URL: nats.url,
      BW_HTTP_PORT: "0",
      BW_DRIVER: "evm",
      BW_EVM_CONFIG: file,
      BW_HEAD_STALE_MS: "4000",
      BW_HEAD_DOWN_MS: "20000",
    });
    http = (JSON.parse(await watcher.waitFor(/"msg":"watcher started"/)) as { http: string }).http;
  });

  afterAll(async () => {
    await watcher?.kill();
    await Promise.all([nats?.dispose(), lab?.stop()]);
  });

  const readyz = async () => {
    const res = await fetch(`${http}/readyz`);
    return { status: res.status, reason: ((await res.json()) as { reason?: string }).reason };
  };

  it("behavior: /readyz turns 503 when the chain stops producing blocks, and 200 when it resumes", async () => {
    await eventually(async () => ((await readyz()).status === 200 ? true : undefined), 30_000, "ready");
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${http}/metrics`)).text();
      return /^bw_watcher_head_lag_blocks/m.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(new RegExp(`^bw_watcher_head_lag_blocks\\{chain="${CHAIN}"\\} \\d+$`, "m"));
    expect(metrics).toMatch(
      new RegExp(`^bw_watcher_checkpoint_lag_seconds\\{chain="${CHAIN}"\\} [\\d.]+$`, "m"),
    );

    await lab.node.rpc("evm_setIntervalMining", [0]);
    const stale = await eventually(
      async () => {
        const r = await readyz();
        return r.status === 503 ? r : undefined;
      },
      20_000,
      "not ready while the head is stale",
    );
    expect(stale.reason).toMatch(/^head is stale: no new block for \d+\.\ds$/);

    await lab.node.rpc("evm_setIntervalMining", [1000]);
    await eventually(async () => ((await readyz()).status === 200 ? true : undefined), 20_000, "ready again");
  }, 60_000);
});
