import { z } from "zod";

/** JSON-RPC shapes the driver accepts; anything else is a malformed response. */
const hex = z.string().regex(/^0x[0-9a-fA-F]*$/, "not hex");
const quantity = z.string().regex(/^0x[0-9a-fA-F]{1,64}$/, "not a hex quantity");
export const hash32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "not a 32-byte hash");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "not an address");

export const quantitySchema = quantity.transform((v) => Number.parseInt(v, 16));

export const blockHeaderSchema = z.object({
  number: quantity,
  hash: hash32,
  parentHash: hash32,
  timestamp: quantity,
});

export const rpcLogSchema = z.object({
  address,
  topics: z.array(hash32).max(4),
  data: hex,
  blockNumber: quantity,
  blockHash: hash32,
  logIndex: quantity,
  transactionHash: hash32,
  removed: z.boolean().optional(),
});

export const rpcLogsSchema = z.array(rpcLogSchema);

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

export function toLog(raw: z.output<typeof rpcLogSchema>): ChainLog {
  return {
    address: raw.address.toLowerCase() as `0x${string}`,
    topics: raw.topics.map((t) => t.toLowerCase() as `0x${string}`),
    data: raw.data as `0x${string}`,
    blockNumber: Number.parseInt(raw.blockNumber, 16),
    blockHash: raw.blockHash.toLowerCase() as `0x${string}`,
    logIndex: Number.parseInt(raw.logIndex, 16),
    transactionHash: raw.transactionHash as `0x${string}`,
  };
}

/** The first problem zod found, as one short line. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".") || "result"}: ${issue.message}` : "invalid";
}
