import fc from "fast-check";
import {
  type Abi,
  type AbiEvent,
  type AbiParameter,
  decodeEventLog,
  encodeAbiParameters,
  encodeEventTopics,
  type Hex,
  parseAbi,
  toEventSelector,
} from "viem";
import { describe, expect, it } from "vitest";
import { aaveV3PoolAbi, aTokenEventsAbi } from "./aave-v3-abi.js";
import { aggregatorEventsAbi } from "./chainlink-abi.js";
import { EventDecoder } from "./event-decoder.js";
import { perpVenueEventsAbi } from "./perp-venue.js";

/** A random value of a static ABI type, as viem's encoder takes it. */
function arbitraryOf(type: string): fc.Arbitrary<unknown> {
  const int = /^(u?)int(\d*)$/.exec(type);
  if (int) {
    const bits = BigInt(int[2] || 256);
    const arb = int[1]
      ? fc.bigInt({ min: 0n, max: 2n ** bits - 1n })
      : fc.bigInt({ min: -(2n ** (bits - 1n)), max: 2n ** (bits - 1n) - 1n });
    return bits <= 48n ? arb.map(Number) : arb;
  }
  if (type === "address") return fc.uint8Array({ minLength: 20, maxLength: 20 }).map(hexOf);
  if (type === "bool") return fc.boolean();
  const bytes = /^bytes(\d+)$/.exec(type);
  if (bytes) {
    const n = Number(bytes[1]);
    return fc.uint8Array({ minLength: n, maxLength: n }).map(hexOf);
  }
  throw new Error(`no generator for ${type}`);
}

const hexOf = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString("hex")}`;

/** A random log of `event`, encoded by viem. */
function logOf(event: AbiEvent): fc.Arbitrary<{ topics: Hex[]; data: Hex }> {
  return fc.tuple(...event.inputs.map((p) => arbitraryOf(p.type))).map((values) => {
    const args: Record<string, unknown> = {};
    event.inputs.forEach((p, i) => {
      args[p.name!] = values[i];
    });
    const topics = encodeEventTopics({ abi: [event], eventName: event.name, args } as never) as Hex[];
    const inData = event.inputs.filter((p) => !p.indexed) as AbiParameter[];
    const data = encodeAbiParameters(
      inData,
      inData.map((p) => args[p.name!]),
    );
    return { topics, data };
  });
}

const ABIS: [string, Abi][] = [
  ["perp venue", perpVenueEventsAbi],
  ["chainlink aggregator", aggregatorEventsAbi],
  ["aave v3 pool", aaveV3PoolAbi],
  ["aave v3 aToken", aTokenEventsAbi],
  [
    "small integers and fixed bytes",
    parseAbi(["event Small(uint8 indexed a, int16 b, uint48 c, bytes4 d, int256 e)"]),
  ],
];

describe("EventDecoder", () => {
  for (const [name, abi] of ABIS) {
    const events = abi.filter((x): x is AbiEvent => x.type === "event");
    it(`property: decodes every ${name} event exactly as viem's decodeEventLog`, () => {
      const decoder = new EventDecoder(abi);
      fc.assert(
        fc.property(fc.constantFrom(...events).chain(logOf), ({ topics, data }) => {
          expect(decoder.decode(topics, data)).toEqual(
            decodeEventLog({ abi, topics: topics as never, data }),
          );
        }),
        { numRuns: 150 },
      );
    });
  }

  it("failure: refuses malformed logs with a clear reason", () => {
    const decoder = new EventDecoder(perpVenueEventsAbi);
    const opened = perpVenueEventsAbi[0];
    const [log] = fc.sample(logOf(opened), { numRuns: 1, seed: 7 });
    const { topics, data } = log!;
    expect(() => decoder.decode(topics.slice(0, 2), data)).toThrow(
      /PositionOpened: 1 indexed topics, the ABI has 2/,
    );
    expect(() => decoder.decode(topics, "0x")).toThrow(/data of 0 bytes is too small for 5 words/);
    const badBool = `0x${"0".repeat(63)}2${data.slice(66)}` as Hex;
    expect(() => decoder.decode(topics, badBool)).toThrow(/isLong \(bool\): neither 0 nor 1/);
    const dirtyAddress = [topics[0]!, `0x1${topics[1]!.slice(3)}` as Hex, topics[2]!];
    expect(() => decoder.decode(dirtyAddress, data)).toThrow(/trader \(address\): not an address/);
    const notHex = `${data.slice(0, 70)}zz${data.slice(72)}` as Hex;
    expect(() => decoder.decode(topics, notHex)).toThrow(/not a 32-byte word/);
    try {
      decoder.decode([`0x${"ab".repeat(32)}`], data);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).name).toBe("AbiEventSignatureNotFoundError");
    }
  });

  it("failure: a word above its type's range is refused, not truncated", () => {
    const abi = parseAbi(["event Small(uint8 a, int8 b)"]);
    const decoder = new EventDecoder(abi);
    const topic0 = toEventSelector(abi[0]) as Hex;
    const word = (hex: string) => hex.padStart(64, "0");
    expect(decoder.decode([topic0], `0x${word("ff")}${"f".repeat(64)}`).args).toEqual({ a: 255, b: -1 });
    expect(() => decoder.decode([topic0], `0x${word("100")}${word("0")}`)).toThrow(
      /a \(uint8\): out of range/,
    );
    expect(() => decoder.decode([topic0], `0x${word("0")}${word("80")}`)).toThrow(
      /b \(int8\): not sign-extended/,
    );
  });

  it("behavior: events with dynamic parameters fall back to viem", () => {
    const abi = parseAbi(["event Note(address indexed who, string text, uint256[] values)"]);
    const decoder = new EventDecoder(abi);
    const topics = encodeEventTopics({
      abi,
      eventName: "Note",
      args: { who: "0x00000000000000000000000000000000000000aa" },
    }) as Hex[];
    const data = encodeAbiParameters([{ type: "string" }, { type: "uint256[]" }], ["hello", [1n, 2n]]);
    expect(decoder.decode(topics, data)).toEqual(decodeEventLog({ abi, topics: topics as never, data }));
  });
});
