// Test support: a coordinator that serves an in-memory signal log over real gRPC on 127.0.0.1.
import {
  type AckRequest,
  AckState,
  type CoordinationServiceServer,
  CoordinationServiceService,
  type Signal,
  SignalKind,
  type SubscribeRequest,
  type SubscribeResponse,
} from "@breakwater/proto";
import { Metadata, Server, ServerCredentials, type ServerWritableStream, status } from "@grpc/grpc-js";

type Call = ServerWritableStream<SubscribeRequest, SubscribeResponse>;

/**
 * Serves a log the test appends to: replay after the requested sequence, a
 * marker, then live appends, each tagged with the previous signal (every
 * signal is in the venue's scope). Records every ack.
 */
export class LogCoordinator {
  readonly log: Signal[] = [];
  readonly acks: AckRequest[] = [];
  readonly subscribes: SubscribeRequest[] = [];
  /** While true, every ack is refused (UNAVAILABLE), as by a coordinator that is down. */
  refuseAcks = false;
  private readonly server = new Server();
  private readonly live = new Set<Call>();

  async start(): Promise<string> {
    const impl: CoordinationServiceServer = {
      subscribe: (call) => {
        this.subscribes.push(call.request);
        call.sendMetadata(new Metadata());
        const after = Number(call.request.afterSequence);
        let previous = 0;
        for (const s of this.log) {
          if (s.sequence > after)
            call.write({
              item: { $case: "signal", value: s },
              previousInScope: previous,
              traceparent: "",
              batch: undefined,
            });
          previous = s.sequence;
        }
        call.write({
          item: { $case: "marker", value: { logSequence: this.lastSequence, atMs: Date.now() } },
          previousInScope: this.lastSequence,
          traceparent: "",
          batch: undefined,
        });
        this.live.add(call);
        call.on("cancelled", () => this.live.delete(call));
        call.on("close", () => this.live.delete(call));
      },
      ack: (call, cb) => {
        if (this.refuseAcks) return cb({ code: status.UNAVAILABLE, details: "refusing acks" });
        this.acks.push(call.request);
        cb(null, { recorded: true });
      },
      listSignals: (_call, cb) => cb(null, { signals: [], lastSequence: 0 }),
      getVenueStatus: (_call, cb) => cb({ code: status.UNIMPLEMENTED }),
      getSigningKeys: (_call, cb) => cb(null, { keys: [] }),
    };
    this.server.addService(CoordinationServiceService, impl);
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    return `127.0.0.1:${port}`;
  }

  get lastSequence(): number {
    return this.log.at(-1)?.sequence ?? 0;
  }

  /** Appends a signal and sends it to every open subscription. */
  append(fields: Partial<Signal> = {}): Signal {
    const previous = this.lastSequence;
    const sequence = previous + 1;
    const now = Date.now();
    const signal: Signal = {
      sequence,
      signalId: `s-${sequence}`,
      kind: SignalKind.SIGNAL_KIND_ADVISORY,
      issuedAtMs: now,
      effectiveAtMs: now,
      expiresAtMs: 0,
      scope: { assets: ["ETH"], markets: [], venues: ["perp-a"], chains: [] },
      reason: "test",
      ruleId: "test",
      evidence: [],
      action: { $case: "advisory", value: { code: "t", message: "" } },
      leaderTerm: 1,
      keyId: "",
      signature: Buffer.alloc(0),
      ...fields,
    };
    this.log.push(signal);
    for (const call of this.live)
      call.write({
        item: { $case: "signal", value: signal },
        previousInScope: previous,
        traceparent: "",
        batch: undefined,
      });
    return signal;
  }

  /** Acks of `sequence` in the order they arrived, as state names. */
  acksOf(sequence: number): string[] {
    return this.acks
      .filter((a) => Number(a.sequence) === sequence)
      .map((a) =>
        a.state === AckState.ACK_STATE_RECEIVED
          ? "received"
          : a.state === AckState.ACK_STATE_APPLIED
            ? "applied"
            : "rejected",
      );
  }

  stop(): void {
    this.server.forceShutdown();
  }
}
