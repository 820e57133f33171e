import {
  type Abi,
  type AbiEvent,
  type AbiParameter,
  checksumAddress,
  type DecodeEventLogReturnType,
  decodeEventLog,
  type Hex,
  toEventSelector,
} from "viem";
import type { ChainLog } from "../rpc-schemas.js";
import { LogDecodeError } from "./adapter.js";

/**
 * Decodes event logs of one ABI, like viem's `decodeEventLog` and with the
 * same result, but compiled once per event: for an event whose parameters are
 * all named and of static types (uintN, intN, address, bool, bytesN), each
 * 32-byte word is read straight from the hex at a fixed offset, with no
 * per-call ABI walk. That is every event of the venues and feeds the watcher
 * ships; any other event falls back to `decodeEventLog`.
 *
 * Malformed logs are refused with an `EventDecodeError` where viem refuses
 * them (wrong topic count, data too short, a bool neither 0 nor 1), and also
 * where viem would silently truncate: an unsigned word above its type's range,
 * a signed one not sign-extended, an address or bytesN word with stray bits.
 * An unknown topic0 throws an error named `AbiEventSignatureNotFoundError`, as
 * viem's does.
 */
export class EventDecoder<const TAbi extends Abi> {
  private readonly compiled = new Map<string, CompiledEvent | "fallback">();

  constructor(private readonly abi: TAbi) {
    for (const item of abi) {
      if (item.type !== "event") continue;
      const selector = toEventSelector(item).toLowerCase();
      this.compiled.set(selector, compile(item) ?? "fallback");
    }
  }

  /**
   * `decode` for an adapter: undefined when the log is no event of the ABI,
   * a LogDecodeError naming the adapter and the log when it is one but does
   * not decode.
   */
  decodeLog(log: ChainLog, adapter: string): DecodeEventLogReturnType<TAbi> | undefined {
    try {
      return this.decode(log.topics, log.data);
    } catch (err) {
      if ((err as Error).name === "AbiEventSignatureNotFoundError") return undefined;
      throw new LogDecodeError(adapter, (err as Error).message.split("\n")[0]!, log, err);
    }
  }

  decode(topics: readonly Hex[], data: Hex): DecodeEventLogReturnType<TAbi> {
    const selector = topics[0]?.toLowerCase();
    const event = selector === undefined ? undefined : this.compiled.get(selector);
    if (event === undefined) {
      const err = new EventDecodeError(`no event of the ABI has signature ${selector ?? "(none)"}`);
      err.name = "AbiEventSignatureNotFoundError";
      throw err;
    }
    if (event === "fallback")
      return decodeEventLog({ abi: this.abi as Abi, topics: topics as never, data }) as never;
    return event.decode(topics, data) as never;
  }
}

export class EventDecodeError extends Error {
  override name = "EventDecodeError";
}

type WordReader = (word: string) => unknown;

interface CompiledEvent {
  decode(topics: readonly Hex[], data: Hex): { eventName: string; args: Record<string, unknown> };
}

const STATIC = /^(uint|int)(\d*)$|^(address)$|^(bool)$|^bytes(\d+)$/;
const ZERO_24 = "0".repeat(24);

function compile(event: AbiEvent): CompiledEvent | undefined {
  const indexed: { name: string; read: WordReader }[] = [];
  const inData: { name: string; read: WordReader }[] = [];
  for (const p of event.inputs) {
    const read = readerOf(p);
    if (!read || !p.name) return undefined;
    (p.indexed ? indexed : inData).push({ name: p.name, read });
  }
  const name = event.name;
  const dataChars = 2 + 64 * inData.length;
  return {
    decode(topics, data) {
      if (topics.length !== indexed.length + 1)
        throw new EventDecodeError(
          `${name}: ${topics.length - 1} indexed topics, the ABI has ${indexed.length}`,
        );
      if (data.length < dataChars || !data.startsWith("0x"))
        throw new EventDecodeError(
          `${name}: data of ${Math.max(0, (data.length - 2) / 2)} bytes is too small for ${inData.length} words`,
        );
      const args: Record<string, unknown> = {};
      for (let i = 0; i < indexed.length; i++) {
        const topic = topics[i + 1]!;
        if (topic.length !== 66) throw new EventDecodeError(`${name}: topic ${i + 1} is not 32 bytes`);
        args[indexed[i]!.name] = indexed[i]!.read(topic.slice(2));
      }
      for (let i = 0; i < inData.length; i++)
        args[inData[i]!.name] = inData[i]!.read(data.slice(2 + 64 * i, 66 + 64 * i));
      return { eventName: name, args };
    },
  };
}

/** A reader of one 32-byte word (64 hex digits, no 0x) for a static type, or undefined for any other type. */
function readerOf(p: AbiParameter): WordReader | undefined {
  const m = STATIC.exec(p.type);
  if (!m) return undefined;
  const what = `${p.name ?? "?"} (${p.type})`;
  if (m[1]) {
    const bits = m[2] ? Number(m[2]) : 256;
    if (!(bits >= 8 && bits <= 256 && bits % 8 === 0)) return undefined;
    const signed = m[1] === "int";
    const asNumber = bits <= 48; // viem's choice: small integers as numbers
    return (word) => {
      const raw = wordToBigInt(word, what);
      let value: bigint;
      if (signed) {
        value = BigInt.asIntN(bits, raw);
        if (BigInt.asUintN(256, value) !== raw) throw new EventDecodeError(`${what}: not sign-extended`);
      } else {
        value = raw;
        if (bits < 256 && raw >> BigInt(bits) !== 0n) throw new EventDecodeError(`${what}: out of range`);
      }
      return asNumber ? Number(value) : value;
    };
  }
  if (m[3])
    return (word) => {
      if (word.slice(0, 24) !== ZERO_24 || !isHexWord(word))
        throw new EventDecodeError(`${what}: not an address`);
      return checksumAddress(`0x${word.slice(24)}`);
    };
  if (m[4])
    return (word) => {
      const v = wordToBigInt(word, what);
      if (v > 1n) throw new EventDecodeError(`${what}: neither 0 nor 1`);
      return v === 1n;
    };
  const size = Number(m[5]);
  if (!(size >= 1 && size <= 32)) return undefined;
  return (word) => {
    if (!isHexWord(word) || /[^0]/.test(word.slice(size * 2)))
      throw new EventDecodeError(`${what}: not a bytes${size} word`);
    return `0x${word.slice(0, size * 2).toLowerCase()}`;
  };
}

const HEX_WORD = /^[0-9a-fA-F]{64}$/;

function isHexWord(word: string): boolean {
  return HEX_WORD.test(word);
}

function wordToBigInt(word: string, what: string): bigint {
  if (!isHexWord(word)) throw new EventDecodeError(`${what}: not a 32-byte word`);
  return BigInt(`0x${word}`);
}
