import { ChainStatus, type PriceTick } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { type ChainEvent, chainEventSubject, decodeChainEvent, encodeChainEvent } from "./chain-event.js";
import { codecs } from "./codec.js";
import { MalformedMessageError } from "./errors.js";
import { subjects } from "./subjects.js";

const tick: PriceTick = {
  eventId: "sim-a:0x1:0",
  chainId: "sim-a",
  source: "oracle",
  asset: "ETH",
  price: "2000",
  coordinates: undefined,
  chainTimeMs: 1_700_000_000_000,
  observedAtMs: 1_700_000_000_000,
};

describe("decodeChainEvent", () => {
  it("default: decodes by the subject's kind", () => {
    expect(decodeChainEvent(subjects.price("sim-a"), codecs.price.encode(tick))).toEqual({
      kind: "price",
      value: tick,
    });
    const hb = codecs.heartbeat.encode({
      chainId: "sim-b",
      headNumber: 1,
      headHash: "",
      headTimeMs: 0,
      processedNumber: 0,
      observedAtMs: 5,
      status: ChainStatus.CHAIN_STATUS_HEALTHY,
      detail: "",
    });
    expect(decodeChainEvent(subjects.heartbeat("sim-b"), hb).kind).toBe("heartbeat");
  });

  it("behavior: what encodeChainEvent writes, decodeChainEvent reads back on the event's subject", () => {
    const events: ChainEvent[] = [
      { kind: "price", value: tick },
      {
        kind: "retraction",
        value: {
          eventId: "sim-a:0x2:0",
          chainId: "sim-a",
          retractedEventId: tick.eventId,
          reason: "reorg",
          observedAtMs: 5,
        },
      },
    ];
    for (const e of events) expect(decodeChainEvent(chainEventSubject(e), encodeChainEvent(e))).toEqual(e);
  });

  it("behavior: an event whose chain differs from its subject's chain is malformed", () => {
    expect(() => decodeChainEvent(subjects.price("sim-b"), codecs.price.encode(tick))).toThrow(
      /chain_id "sim-a" does not match the subject/,
    );
  });

  it("behavior: an unknown kind and garbage bytes are malformed", () => {
    expect(() => decodeChainEvent("bw.chain.sim-a.gossip", new Uint8Array())).toThrow(MalformedMessageError);
    expect(() => decodeChainEvent(subjects.position("sim-a"), new Uint8Array([0xff, 0xff, 0xff]))).toThrow(
      MalformedMessageError,
    );
  });

  it("behavior: a valid encoding that fails validation is malformed", () => {
    expect(() =>
      decodeChainEvent(subjects.price("sim-a"), codecs.price.encode({ ...tick, price: "-1" })),
    ).toThrow(/price: must not be negative/);
  });
});
