import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, connectBus } from "@breakwater/bus";
import {
  eventually,
  type NatsServer,
  type ServiceProcess,
  startNats,
  startService,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointOf, coverageProblems, readChain, startedLine, WATCHER_ENTRY } from "./test-helpers.js";

const scenario = {
  seed: 11,
  blockTimeMs: 100,
  assets: { ETH: 3000 },
  chains: { "sim-o": { venues: [{ id: "perp-o", kind: "perp", markets: ["ETH-PERP"] }], accounts: 5 } },
};

describe("watcher when NATS goes away", () => {
  let nats: NatsServer;
  let bus: Bus;
  let watcher: ServiceProcess;

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "watcher-outage-test" });
  });

  afterAll(async () => {
    await watcher?.kill();
    await bus?.close();
    await nats?.dispose();
  });

  it("behavior: a NATS restart is ridden out: not ready meanwhile, then every block once", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "bw-watcher-outage-")), "scenario.json");
    writeFileSync(file, JSON.stringify(scenario));
    watcher = startService(WATCHER_ENTRY, ["--chain", "sim-o"], {
      BW_NATS_URL: nats.url,
      BW_HTTP_PORT: "0",
      BW_SIM_SCENARIO: file,
      BW_HEARTBEAT_MS: "200",
    });
    const { http } = await startedLine(watcher);
    const readiness = async () => {
      const res = await fetch(`${http}/readyz`);
      return { status: res.status, body: (await res.json()) as { reason?: string } };
    };
    const processed = async () => (await checkpointOf(bus, "sim-o"))?.blockNumber ?? -1;
    await eventually(async () => ((await processed()) >= 10 ? true : undefined));

    await nats.stop();
    const down = await eventually(async () => {
      const r = await readiness();
      return r.status === 503 ? r : undefined;
    });
    expect(down.body.reason).toBe("not connected to NATS");
    await nats.restart();

    await eventually(
      async () => ((await readiness()).status === 200 ? true : undefined),
      20_000,
      "ready again",
    );
    // the test's own connection may still be reconnecting: retry the read too
    const resumedFrom = await eventually(processed, 20_000, "checkpoint readable again");
    await eventually(async () => ((await processed()) >= resumedFrom + 10 ? true : undefined), 20_000);
    await watcher.stop();
    expect(await watcher.exited()).toBe(0);

    const last = (await checkpointOf(bus, "sim-o"))!.blockNumber;
    const log = await readChain(bus, "sim-o");
    expect(coverageProblems(log, last, 1)).toEqual([]);
    expect(Math.max(...log.prices.map((p) => p.coordinates!.blockNumber))).toBe(last);
  });
});
