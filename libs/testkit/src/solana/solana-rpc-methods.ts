import { base58Decode } from "./base58.js";
import type { AccountAt, Commitment, SolanaLedger } from "./solana-ledger.js";

/** A JSON-RPC error object as the Solana RPC returns it. */
export class RpcMethodError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** Error codes of the JSON-RPC 2.0 and Solana RPC specifications. */
export const RPC_ERRORS = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  blockNotAvailable: -32004,
  minContextSlotNotReached: -32016,
} as const;

/** What one endpoint serves: the shared ledger, seen `lagSlots` behind the tip. */
export interface MethodContext {
  readonly ledger: SolanaLedger;
  readonly lagSlots: number;
}

interface Config {
  commitment?: Commitment;
  minContextSlot?: number;
  encoding?: string;
  withContext?: boolean;
  filters?: unknown[];
}

const COMMITMENTS = new Set(["processed", "confirmed", "finalized"]);

function configOf(raw: unknown): Config {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object") throw new RpcMethodError(RPC_ERRORS.invalidParams, "Invalid params: config");
  const c = raw as Config;
  if (c.commitment !== undefined && !COMMITMENTS.has(c.commitment))
    throw new RpcMethodError(RPC_ERRORS.invalidParams, `Invalid params: unknown commitment ${c.commitment}`);
  return c;
}

/** The slot this endpoint serves at the config's commitment, checked against minContextSlot. */
function contextSlot(ctx: MethodContext, config: Config): number {
  const slot = ctx.ledger.slot(config.commitment ?? "finalized") - ctx.lagSlots;
  if (config.minContextSlot !== undefined && slot < config.minContextSlot)
    throw new RpcMethodError(
      RPC_ERRORS.minContextSlotNotReached,
      "Minimum context slot has not been reached",
      {
        contextSlot: slot,
      },
    );
  return slot;
}

const withContext = (slot: number, value: unknown) => ({ context: { apiVersion: "2.1.0", slot }, value });

export function accountJson(a: AccountAt, encoding: string) {
  if (encoding !== "base64")
    throw new RpcMethodError(RPC_ERRORS.invalidParams, `Invalid params: encoding ${encoding} is not served`);
  return {
    data: [Buffer.from(a.data).toString("base64"), "base64"],
    executable: false,
    lamports: a.lamports,
    owner: a.owner,
    rentEpoch: 0,
    space: a.data.length,
  };
}

/** Whether an account passes one getProgramAccounts filter (dataSize or memcmp). */
export function passes(a: AccountAt, filter: unknown): boolean {
  const f = filter as {
    dataSize?: unknown;
    memcmp?: { offset?: unknown; bytes?: unknown; encoding?: unknown };
  };
  if (typeof f.dataSize === "number") return a.data.length === f.dataSize;
  const m = f.memcmp;
  if (m && typeof m.offset === "number" && typeof m.bytes === "string") {
    const offset = m.offset;
    const bytes = m.encoding === "base64" ? Buffer.from(m.bytes, "base64") : base58Decode(m.bytes);
    if (offset + bytes.length > a.data.length) return false;
    return bytes.every((b, i) => a.data[offset + i] === b);
  }
  throw new RpcMethodError(RPC_ERRORS.invalidParams, "Invalid params: unknown filter");
}

/** The methods the watcher uses, with the request and response shapes of the Solana RPC. */
export const METHODS: Record<string, (ctx: MethodContext, params: unknown[]) => unknown> = {
  getSlot(ctx, [config]) {
    return contextSlot(ctx, configOf(config));
  },
  getBlockTime(ctx, [slot]) {
    if (typeof slot !== "number" || !Number.isInteger(slot))
      throw new RpcMethodError(RPC_ERRORS.invalidParams, "Invalid params: slot");
    if (slot > ctx.ledger.slot("processed") - ctx.lagSlots)
      throw new RpcMethodError(RPC_ERRORS.blockNotAvailable, `Block not available for slot ${slot}`);
    return Math.floor(ctx.ledger.timeMs(slot) / 1000);
  },
  getAccountInfo(ctx, [pubkey, raw]) {
    if (typeof pubkey !== "string")
      throw new RpcMethodError(RPC_ERRORS.invalidParams, "Invalid params: pubkey");
    const config = configOf(raw);
    const slot = contextSlot(ctx, config);
    const a = ctx.ledger.account(pubkey, slot);
    return withContext(slot, a ? accountJson(a, config.encoding ?? "base64") : null);
  },
  getProgramAccounts(ctx, [program, raw]) {
    if (typeof program !== "string")
      throw new RpcMethodError(RPC_ERRORS.invalidParams, "Invalid params: program id");
    const config = configOf(raw);
    const slot = contextSlot(ctx, config);
    const filters = config.filters ?? [];
    if (!Array.isArray(filters) || filters.length > 4)
      throw new RpcMethodError(RPC_ERRORS.invalidParams, "Invalid params: too many filters");
    const value = ctx.ledger
      .programAccounts(program, slot)
      .filter((a) => filters.every((f) => passes(a, f)))
      .map((a) => ({ pubkey: a.pubkey, account: accountJson(a, config.encoding ?? "base64") }));
    return config.withContext ? withContext(slot, value) : value;
  },
  getHealth() {
    return "ok";
  },
};
