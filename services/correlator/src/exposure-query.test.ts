import { InvalidRequestError } from "@breakwater/core";
import { GetExposureRequest } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { filterOfRequest, parseExposureQuery } from "./exposure-query.js";

const q = (text: string) => parseExposureQuery(new URLSearchParams(text));

function rejection(fn: () => unknown): { field: string; reason: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRequestError);
    return { field: (err as InvalidRequestError).field, reason: (err as InvalidRequestError).reason };
  }
  throw new Error("expected a InvalidRequestError");
}

describe("parseExposureQuery", () => {
  it("default: no parameters match everything", () => {
    expect(q("")).toEqual({});
  });

  it("behavior: asset, chain and venue become the filter", () => {
    expect(q("asset=ETH&chain=sim-a&venue=perp-a")).toEqual({
      asset: "ETH",
      chainId: "sim-a",
      venueId: "perp-a",
    });
  });

  it("behavior: an unknown parameter names itself and the known ones", () => {
    expect(rejection(() => q("asset=ETH&chainId=sim-a"))).toEqual({
      field: "chainId",
      reason: "unknown parameter (known: asset, chain, venue, entity)",
    });
  });

  it("behavior: an invalid chain id is rejected with the rule", () => {
    const r = rejection(() => q("chain=Sim_A"));
    expect(r.field).toBe("chain");
    expect(r.reason).toMatch(/"Sim_A" is not a chain id/);
  });

  it("behavior: an invalid asset or venue is rejected", () => {
    expect(rejection(() => q("asset=ETH USD")).field).toBe("asset");
    expect(rejection(() => q("venue=-perp")).field).toBe("venue");
  });

  it("behavior: an empty value is rejected rather than silently matching everything", () => {
    expect(rejection(() => q("asset="))).toMatchObject({ field: "asset", reason: /must not be empty/ });
  });

  it("behavior: a repeated parameter is rejected", () => {
    expect(rejection(() => q("asset=ETH&asset=BTC"))).toEqual({
      field: "asset",
      reason: "given more than once",
    });
  });

  it("behavior: the allowed set narrows what an endpoint takes", () => {
    expect(parseExposureQuery(new URLSearchParams("chain=sim-b"), ["chain"])).toEqual({ chainId: "sim-b" });
    expect(rejection(() => parseExposureQuery(new URLSearchParams("asset=ETH"), ["chain"]))).toEqual({
      field: "asset",
      reason: "unknown parameter (known: chain)",
    });
  });

  it("behavior: the error's JSON is the 400 body", () => {
    expect(() => q("bogus=1")).toThrow(InvalidRequestError);
    expect(new InvalidRequestError("bogus", "unknown parameter").toJSON()).toEqual({
      error: "invalid_query",
      field: "bogus",
      reason: "unknown parameter",
    });
  });
});

describe("filterOfRequest", () => {
  it("default: empty fields match everything", () => {
    expect(filterOfRequest(GetExposureRequest.fromPartial({}))).toEqual({});
  });

  it("behavior: the same filters as HTTP", () => {
    expect(
      filterOfRequest(GetExposureRequest.fromPartial({ asset: "ETH", chainId: "sim-a", venueId: "v" })),
    ).toEqual({ asset: "ETH", chainId: "sim-a", venueId: "v" });
  });

  it("behavior: invalid values name the proto field", () => {
    expect(rejection(() => filterOfRequest(GetExposureRequest.fromPartial({ chainId: "NOPE!" }))).field).toBe(
      "chain_id",
    );
  });

  it("behavior: an entity filters by entity; an invalid one names the field", () => {
    expect(filterOfRequest(GetExposureRequest.fromPartial({ entity: "whale-1" }))).toEqual({
      entity: "whale-1",
    });
    expect(
      rejection(() => filterOfRequest(GetExposureRequest.fromPartial({ entity: "bad entity" }))).field,
    ).toBe("entity");
  });
});
