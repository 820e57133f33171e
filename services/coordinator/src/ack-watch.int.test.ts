import { type Bus, connectBus } from "@breakwater/bus";
import { SignalKind } from "@breakwater/proto";
import { eventually, type NatsServer, startNats } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CoordinatorProcess,
  httpSignals,
  processedUpTo,
  publishFall,
  recordingVenue,
  startCoordinatorProcess,
} from "./test-helpers.js";

describe("acks per signal", () => {
  let nats: NatsServer;
  let bus: Bus;
  let coordinator: CoordinatorProcess;
  let venue: ReturnType<typeof recordingVenue>;

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "ack-watch-test" });
    coordinator = await startCoordinatorProcess(nats.url, {
      BW_ACK_ADVISORY: "true",
      BW_SIGNAL_LEAD_MS: "300",
    });
    venue = recordingVenue(coordinator.grpc, "perp-a");
    await venue.synced;
  });
  afterAll(async () => {
    await venue?.client.close();
    await coordinator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
  });

  it("a venue in scope that has not acked a halt by its effective time is reported: metric, API and an advisory", async () => {
    await processedUpTo(bus, await publishFall(bus, "ETH", ["perp-a", "perp-offline"], 0.08));
    const late = await eventually(async () => {
      const body = (await (await fetch(`${coordinator.http}/v1/acks/late`)).json()) as {
        outstanding: number;
        late: { sequence: number; venueId: string; ackedAtMs: number }[];
      };
      return body.late.length > 0 ? body : undefined;
    });
    expect(late.late.map((l) => l.venueId)).toEqual(["perp-offline"]);
    expect(late.outstanding).toBe(1);
    const haltSeq = late.late[0]!.sequence;
    const perSignal = (await (
      await fetch(`${coordinator.http}/v1/acks/late?sequence=${haltSeq}`)
    ).json()) as {
      acks: Record<string, string>;
    };
    expect(perSignal.acks["perp-a"]).toMatch(/ACK_STATE_(RECEIVED|APPLIED)/);

    const metrics = await (await fetch(`${coordinator.http}/metrics`)).text();
    expect(metrics).toMatch(/bw_coordinator_unacked_halts_total\{venue="perp-offline"\} 1/);
    // the advisory is logged and reaches the venues in the halt's scope
    const advisory = await eventually(async () =>
      (await httpSignals(coordinator.http)).signals.find(
        (s) => s.kind === SignalKind.SIGNAL_KIND_ADVISORY && !s.scope?.internal,
      ),
    );
    expect(advisory).toMatchObject({
      signalId: `ack-watch:${haltSeq}`,
      action: { $case: "advisory", value: { code: "halt_unacked", message: "perp-offline" } },
    });
    await eventually(() => (venue.signals.some((s) => s.signalId === advisory.signalId) ? true : undefined));
    expect(metrics).not.toMatch(/unacked_halts_total\{venue="perp-a"\}/);
  });
});
