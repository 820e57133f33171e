import type { z } from "zod";
import type { RpcPool } from "./rpc-pool.js";
import {
  type BlockHeader,
  blockHeaderSchema,
  type ChainLog,
  firstIssue,
  parseRpcLogs,
  toHeader,
} from "./rpc-schemas.js";

const hexOf = (n: number) => `0x${n.toString(16)}`;

function parseWith<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw firstIssue(parsed.error);
  return parsed.data;
}

/**
 * The reads the EVM driver needs, each checked for consistency with what was
 * asked (the block number asked for, the block hash the logs claim, the
 * contracts filtered on), so a lying or broken endpoint's answer is rejected
 * and the pool asks another.
 */
export class ChainReads {
  constructor(
    private readonly pool: RpcPool,
    /** Contracts whose logs the driver wants (lowercase), read at each request: the set may change. */
    private readonly watched: { readonly addresses: readonly `0x${string}`[] },
  ) {}

  /** The contracts asked for now (a new array whenever the set changes). */
  get addresses(): readonly `0x${string}`[] {
    return this.watched.addresses;
  }

  /** The header of block `n`, or undefined when the chain has no such block (yet). */
  async header(n: number): Promise<BlockHeader | undefined> {
    return this.pool.request("eth_getBlockByNumber", [hexOf(n), false], (raw) => {
      if (raw === null) return undefined;
      const header = toHeader(parseWith(blockHeaderSchema, raw));
      if (header.number !== n) throw `block ${header.number} instead of ${n}`;
      return header;
    });
  }

  /** eth_call as of a block; resolves with the raw return data. */
  async call(to: `0x${string}`, data: `0x${string}`, blockNumber: number): Promise<`0x${string}`> {
    return this.pool.request("eth_call", [{ to, data }, hexOf(blockNumber)], (raw) => {
      if (typeof raw !== "string" || !/^0x[0-9a-fA-F]*$/.test(raw)) throw "eth_call result is not hex";
      return raw as `0x${string}`;
    });
  }

  /** Logs of the watched contracts in block `hash` (number `n`), in log order. */
  async logsOfBlock(n: number, hash: `0x${string}`): Promise<ChainLog[]> {
    const addresses = this.watched.addresses;
    return this.pool.request("eth_getLogs", [{ blockHash: hash, address: addresses }], (raw) => {
      const logs = parseRpcLogs(raw);
      for (const log of logs) {
        if (log.blockHash !== hash) throw `a log of block ${log.blockHash} when asked for ${hash}`;
        if (log.blockNumber !== n) throw `a log of block number ${log.blockNumber} when asked for ${n}`;
        checkAddress(log, addresses);
      }
      return logs.sort((a, b) => a.logIndex - b.logIndex);
    });
  }

  /** Logs of the watched contracts in blocks from..to (inclusive), in chain order. */
  async logsOfRange(from: number, to: number): Promise<ChainLog[]> {
    const addresses = this.watched.addresses;
    return this.pool.request(
      "eth_getLogs",
      [{ fromBlock: hexOf(from), toBlock: hexOf(to), address: addresses }],
      (raw) => {
        const logs = parseRpcLogs(raw);
        const hashOf = new Map<number, string>();
        for (const log of logs) {
          if (log.blockNumber < from || log.blockNumber > to)
            throw `a log of block ${log.blockNumber} outside ${from}..${to}`;
          const seen = hashOf.get(log.blockNumber);
          if (seen !== undefined && seen !== log.blockHash)
            throw `logs of block ${log.blockNumber} with two hashes`;
          hashOf.set(log.blockNumber, log.blockHash);
          checkAddress(log, addresses);
        }
        return logs.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
      },
    );
  }
}

function checkAddress(log: ChainLog, asked: readonly string[]): void {
  if (!asked.includes(log.address)) throw `a log of ${log.address}, which was not asked for`;
}
