import { loadCoordinatorConfig, type RunningCoordinator, startCoordinator } from "@breakwater/coordinator";
import { loadCorrelatorConfig, type RunningCorrelator, startCorrelator } from "@breakwater/correlator";
import { SignalKind } from "@breakwater/proto";
import { VenueClient } from "@breakwater/sdk";
import { createLogger } from "@breakwater/telemetry";
import { eventually, type NatsServer, sharedTestPki, sharedTestPkiNow, startNats } from "@breakwater/testkit";
import { loadWatcherConfig, type RunningWatcher, startWatcher } from "@breakwater/watcher";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The whole pipeline in one process (each service through its own start
 * function, over a real nats-server and real gRPC on loopback), with an
 * in-memory span exporter: one trace must lead from the watcher's publish of
 * the crashing price to the venue's APPLIED ack of the halt it caused.
 */
describe("one trace from chain event to venue ack", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let nats: NatsServer;
  const watchers: RunningWatcher[] = [];
  let correlator: RunningCorrelator | undefined;
  let coordinator: RunningCoordinator | undefined;
  let venue: VenueClient | undefined;

  beforeAll(async () => {
    provider.register();
    nats = await startNats();
    const log = createLogger("trace-test", "warn");
    const common = {
      BW_NATS_URL: nats.url,
      BW_HTTP_HOST: "127.0.0.1",
      BW_HTTP_PORT: "0",
      BW_LOG_LEVEL: "warn",
    };
    const pki = await sharedTestPki();
    coordinator = await startCoordinator(
      loadCoordinatorConfig([], {
        ...common,
        ...pki.coordinatorEnv(),
        BW_GRPC_HOST: "127.0.0.1",
        BW_GRPC_PORT: "0",
        BW_ACK_ADVISORY: "false",
      }),
      log,
    );
    correlator = await startCorrelator(
      loadCorrelatorConfig([], {
        ...common,
        ...pki.serverTlsEnv(),
        BW_GRPC_HOST: "127.0.0.1",
        BW_GRPC_PORT: "0",
      }),
      log,
    );
    const genesis = String(Date.now() + 1_000);
    for (const chain of ["sim-a", "sim-b"])
      watchers.push(
        await startWatcher(
          loadWatcherConfig(["--chain", chain], { ...common, BW_SIM_GENESIS_MS: genesis }),
          log,
        ),
      );
  });

  afterAll(async () => {
    await venue?.close();
    for (const w of watchers) await w.stop();
    await correlator?.stop();
    await coordinator?.stop();
    await nats?.dispose();
    await provider.shutdown();
  });

  it("watcher.publish → correlator.assess → coordinator.decide → coordinator.append → venue.receive → venue.apply → coordinator.ack", async () => {
    const applied: number[] = [];
    const client: VenueClient = new VenueClient({
      address: coordinator!.grpc,
      venueId: "perp-a",
      tls: sharedTestPkiNow().venueTls("perp-a"),
      handler: (signal) => {
        if (signal.kind === SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER)
          void client.applyAt(signal, () => void applied.push(signal.sequence));
      },
    });
    venue = client;
    client.on("error", () => undefined);
    client.start();

    const halt = await eventually(async () => applied[0], 60_000);
    // A parent ends after its child (the venue's span outlives the ack it awaits): wait until
    // the walk up from the APPLIED ack reaches a span with no parent, or give up and compare.
    const walk = () => {
      const all = exporter.getFinishedSpans();
      const ack = all.find(
        (s) =>
          s.name === "coordinator.ack" &&
          s.attributes["breakwater.sequence"] === halt &&
          s.attributes["breakwater.ack_state"] === "applied",
      );
      if (!ack) return undefined;
      const byId = new Map<string, ReadableSpan>(all.map((s) => [s.spanContext().spanId, s]));
      const chain: ReadableSpan[] = [];
      let complete = false;
      for (let s: ReadableSpan | undefined = ack; s; ) {
        chain.unshift(s);
        const parent: string | undefined = s.parentSpanContext?.spanId;
        if (!parent) complete = true;
        s = parent ? byId.get(parent) : undefined;
      }
      return { all, ack, byId, chain, complete };
    };
    const spans = await eventually(() => {
      const w = walk();
      return w?.complete ? w : undefined;
    }, 10_000).catch(() => walk());
    expect(spans).toBeDefined();
    const { all, ack, byId } = spans!;
    for (const s of spans!.chain) expect(s.spanContext().traceId).toBe(ack.spanContext().traceId);
    const chain = spans!.chain.map((s) => s.name);
    expect(chain).toEqual([
      "watcher.publish",
      "correlator.assess",
      "coordinator.decide",
      "coordinator.append",
      "venue.receive",
      "venue.apply",
      "coordinator.ack",
    ]);
    // the RECEIVED ack of the same halt is in the trace too, under the venue's receipt
    const received = all.find(
      (s) =>
        s.name === "coordinator.ack" &&
        s.attributes["breakwater.sequence"] === halt &&
        s.attributes["breakwater.ack_state"] === "received",
    );
    expect(byId.get(received?.parentSpanContext?.spanId ?? "")?.name).toBe("venue.receive");
  }, 120_000);
});
