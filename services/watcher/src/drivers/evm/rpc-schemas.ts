import { z } from "zod";

/** JSON-RPC shapes the driver accepts; anything else is a malformed response. */
const HEX = /^0x[0-9a-fA-F]*$/;
const QUANTITY = /^0x[0-9a-fA-F]{1,64}$/;
const HASH32 = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

const quantity = z.string().regex(QUANTITY, "not a hex quantity");
export const hash32 = z.string().regex(HASH32, "not a 32-byte hash");

export const quantitySchema = quantity.transform((v) => Number.parseInt(v, 16));

export const blockHeaderSchema = z.object({
  number: quantity,
  hash: hash32,
  parentHash: hash32,
  timestamp: quantity,
});

/** A block header as the driver uses it. */
export interface BlockHeader {
  readonly number: number;
  readonly hash: `0x${string}`;
  readonly parentHash: `0x${string}`;
  /** Unix ms. */
  readonly timeMs: number;
}

/** A log as the driver uses it (numbers parsed, addresses lowercase). */
export interface ChainLog {
  readonly address: `0x${string}`;
  readonly topics: readonly `0x${string}`[];
  readonly data: `0x${string}`;
  readonly blockNumber: number;
  readonly blockHash: `0x${string}`;
  readonly logIndex: number;
  readonly transactionHash: `0x${string}`;
}

export function toHeader(raw: z.output<typeof blockHeaderSchema>): BlockHeader {
  return {
    number: Number.parseInt(raw.number, 16),
    hash: raw.hash.toLowerCase() as `0x${string}`,
    parentHash: raw.parentHash.toLowerCase() as `0x${string}`,
    timeMs: Number.parseInt(raw.timestamp, 16) * 1000,
  };
}

/**
 * An eth_getLogs result checked field by field (the same rules as the header
 * schema: hex quantities, 32-byte hashes, 20-byte addresses, at most four
 * topics) and turned into ChainLogs. Hand-written rather than a schema because
 * a backfill parses thousands of logs per request. Throws the first problem as
 * one short line (`3.topics.1: not a 32-byte hash`).
 */
export function parseRpcLogs(raw: unknown): ChainLog[] {
  if (!Array.isArray(raw)) throw "result: not an array of logs";
  const out: ChainLog[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = parseRpcLog(raw[i], i);
  return out;
}

function parseRpcLog(raw: unknown, i: number): ChainLog {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw `${i}: not a log object`;
  const r = raw as Record<string, unknown>;
  const field = (key: string, pattern: RegExp, what: string): string => {
    const v = r[key];
    if (typeof v !== "string" || !pattern.test(v)) throw `${i}.${key}: ${what}`;
    return v;
  };
  const address = field("address", ADDRESS, "not an address");
  const topicsRaw = r["topics"];
  if (!Array.isArray(topicsRaw) || topicsRaw.length > 4) throw `${i}.topics: not a list of at most 4 topics`;
  const topics = topicsRaw.map((t, k) => {
    if (typeof t !== "string" || !HASH32.test(t)) throw `${i}.topics.${k}: not a 32-byte hash`;
    return t.toLowerCase() as `0x${string}`;
  });
  const data = field("data", HEX, "not hex");
  const blockNumber = field("blockNumber", QUANTITY, "not a hex quantity");
  const blockHash = field("blockHash", HASH32, "not a 32-byte hash");
  const logIndex = field("logIndex", QUANTITY, "not a hex quantity");
  const transactionHash = field("transactionHash", HASH32, "not a 32-byte hash");
  const removed = r["removed"];
  if (removed !== undefined && typeof removed !== "boolean") throw `${i}.removed: not a boolean`;
  return {
    address: address.toLowerCase() as `0x${string}`,
    topics,
    data: data as `0x${string}`,
    blockNumber: Number.parseInt(blockNumber, 16),
    blockHash: blockHash.toLowerCase() as `0x${string}`,
    logIndex: Number.parseInt(logIndex, 16),
    transactionHash: transactionHash as `0x${string}`,
  };
}

/** The first problem zod found, as one short line. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".") || "result"}: ${issue.message}` : "invalid";
}
