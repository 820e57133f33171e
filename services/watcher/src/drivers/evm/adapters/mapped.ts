import { chainEventId, formatUnits } from "@breakwater/core";
import { OptionKind, type OptionTerms, PositionSide, PositionStatus } from "@breakwater/proto";
import { type Abi, type AbiEvent, parseAbi, toEventSelector } from "viem";
import type { BlockEvent } from "../../../chain-driver.js";
import type { ChainLog } from "../rpc-schemas.js";
import {
  bytes32ToText,
  coordinatesOf,
  type LogAdapter,
  type LogContext,
  LogDecodeError,
  position,
} from "./adapter.js";
import { EventDecoder } from "./event-decoder.js";

/** Where a position field comes from: a constant, or an event argument (scaled, mapped). */
export type FieldSource =
  | { readonly value: string }
  | {
      readonly field: string;
      /** Integer amounts: decimals to scale by. */
      readonly decimals?: number | undefined;
      /** bytes32 holding a short string (market names). */
      readonly bytes32?: boolean | undefined;
      /** Raw value (as text: "true", "0", an address…) → result, e.g. { "true": "LONG" }. */
      readonly map?: Readonly<Record<string, string>> | undefined;
    };

/** How one event maps to a position update. */
export interface EventMapping {
  readonly account: FieldSource;
  readonly market: FieldSource;
  /** Default: the market's prefix ("ETH-PERP" → "ETH"). */
  readonly asset?: FieldSource | undefined;
  /** LONG, SHORT, SUPPLY or BORROW. */
  readonly side: FieldSource;
  readonly size: FieldSource;
  /** OPEN, CLOSED or LIQUIDATED; default OPEN, CLOSED when the size is 0. */
  readonly status?: FieldSource | undefined;
  readonly entryPrice?: FieldSource | undefined;
  readonly collateralAsset?: FieldSource | undefined;
  readonly collateralAmount?: FieldSource | undefined;
  readonly liquidationPrice?: FieldSource | undefined;
  /** Set for an options venue: the contract of each position (then `side` is LONG or SHORT). */
  readonly option?: OptionMapping | undefined;
}

/** How an options event's contract maps to OptionTerms. */
export interface OptionMapping {
  /** CALL or PUT. */
  readonly kind: FieldSource;
  readonly strike: FieldSource;
  /** Expiry as Unix seconds (the on-chain convention). */
  readonly expirySeconds: FieldSource;
  /** The venue's annualised implied volatility (e.g. "0.65"). */
  readonly impliedVolatility?: FieldSource | undefined;
  /** The venue's mark: premium per unit of the underlying. */
  readonly markPrice?: FieldSource | undefined;
}

export interface MappedAdapterConfig {
  readonly venueId: string;
  readonly address: `0x${string}`;
  /** The venue's event ABI: JSON fragments or human-readable signatures ("event Trade(address indexed a, …)"). */
  readonly abi: readonly unknown[];
  /** Event name → mapping. Events not named here are ignored. */
  readonly events: Readonly<Record<string, EventMapping>>;
}

const SIDES: Record<string, PositionSide> = {
  LONG: PositionSide.POSITION_SIDE_LONG,
  SHORT: PositionSide.POSITION_SIDE_SHORT,
  SUPPLY: PositionSide.POSITION_SIDE_SUPPLY,
  BORROW: PositionSide.POSITION_SIDE_BORROW,
};
const OPTION_KINDS: Record<string, OptionKind> = {
  CALL: OptionKind.OPTION_KIND_CALL,
  PUT: OptionKind.OPTION_KIND_PUT,
};
const STATUSES: Record<string, PositionStatus> = {
  OPEN: PositionStatus.POSITION_STATUS_OPEN,
  CLOSED: PositionStatus.POSITION_STATUS_CLOSED,
  LIQUIDATED: PositionStatus.POSITION_STATUS_LIQUIDATED,
};

/** Parses a config ABI (JSON fragments or human-readable strings); throws with the problem. */
export function parseConfigAbi(abi: readonly unknown[]): Abi {
  return abi.every((x) => typeof x === "string") ? parseAbi(abi as string[]) : (abi as Abi);
}

/** Problems with a mapping against its ABI (unknown events or fields), for config validation. */
export function mappingProblems(cfg: Pick<MappedAdapterConfig, "abi" | "events">): string[] {
  let abi: Abi;
  try {
    abi = parseConfigAbi(cfg.abi);
  } catch (err) {
    return [`abi: ${(err as Error).message.split("\n")[0]}`];
  }
  const problems: string[] = [];
  for (const [name, mapping] of Object.entries(cfg.events)) {
    const event = abi.find((x): x is AbiEvent => x.type === "event" && x.name === name);
    if (!event) {
      problems.push(`events.${name}: no such event in the abi`);
      continue;
    }
    const inputs = new Set(event.inputs.map((i) => i.name));
    const { option, ...fields } = mapping;
    const sources = [
      ...Object.entries(fields),
      ...Object.entries(option ?? {}).map(([key, source]) => [`option.${key}`, source]),
    ] as [string, FieldSource | undefined][];
    for (const [key, source] of sources)
      if (source && "field" in source && !inputs.has(source.field))
        problems.push(`events.${name}.${key}: the event has no argument "${source.field}"`);
  }
  return problems;
}

/** A venue added by configuration only: its event ABI and a field mapping per event. */
export class MappedAdapter implements LogAdapter {
  readonly name: string;
  readonly addresses: readonly `0x${string}`[];
  private readonly abi: Abi;
  private readonly events: EventDecoder<Abi>;
  private readonly selectors: Set<string>;

  constructor(private readonly cfg: MappedAdapterConfig) {
    this.name = `mapped:${cfg.venueId}`;
    this.addresses = [cfg.address.toLowerCase() as `0x${string}`];
    this.abi = parseConfigAbi(cfg.abi);
    this.events = new EventDecoder(this.abi);
    this.selectors = new Set(
      this.abi
        .filter((x): x is AbiEvent => x.type === "event" && x.name in cfg.events)
        .map((e) => toEventSelector(e).toLowerCase()),
    );
  }

  async decode(log: ChainLog, ctx: LogContext): Promise<BlockEvent[]> {
    if (!log.topics[0] || !this.selectors.has(log.topics[0])) return [];
    const decoded = this.events.decodeLog(log, this.name) as
      | { eventName: string; args: Record<string, unknown> }
      | undefined;
    if (!decoded) return [];
    const mapping = this.cfg.events[decoded.eventName]!;
    const read = (key: string, source: FieldSource | undefined): string => {
      if (!source) return "";
      if ("value" in source) return source.value;
      const raw = decoded.args[source.field];
      let text: string;
      if (source.decimals !== undefined) {
        if (typeof raw !== "bigint")
          throw new LogDecodeError(this.name, `${key}: "${source.field}" is not an integer`, log);
        text = formatUnits(raw, source.decimals);
      } else if (source.bytes32) text = bytes32ToText(raw as `0x${string}`);
      else text = typeof raw === "string" ? raw.toLowerCase() : String(raw);
      if (source.map) {
        const mapped = source.map[text];
        if (mapped === undefined)
          throw new LogDecodeError(this.name, `${key}: no mapping for "${text}"`, log);
        return mapped;
      }
      return text;
    };
    const market = read("market", mapping.market);
    const size = read("size", mapping.size);
    const sideText = read("side", mapping.side).toUpperCase();
    const side = SIDES[sideText];
    if (side === undefined)
      throw new LogDecodeError(this.name, `side: "${sideText}" is not LONG, SHORT, SUPPLY or BORROW`, log);
    const statusText = mapping.status
      ? read("status", mapping.status).toUpperCase()
      : Number(size) === 0
        ? "CLOSED"
        : "OPEN";
    const status = STATUSES[statusText];
    if (status === undefined)
      throw new LogDecodeError(this.name, `status: "${statusText}" is not OPEN, CLOSED or LIQUIDATED`, log);
    const option = mapping.option ? this.optionTerms(mapping.option, read, log) : undefined;
    return [
      position({
        eventId: chainEventId(ctx.chainId, log.blockHash, log.logIndex),
        chainId: ctx.chainId,
        venueId: this.cfg.venueId,
        account: read("account", mapping.account),
        market,
        asset: mapping.asset ? read("asset", mapping.asset) : market.split("-")[0]!,
        side,
        status,
        size,
        entryPrice: read("entryPrice", mapping.entryPrice),
        collateralAsset: read("collateralAsset", mapping.collateralAsset),
        collateralAmount: read("collateralAmount", mapping.collateralAmount),
        liquidationPrice: read("liquidationPrice", mapping.liquidationPrice),
        coordinates: coordinatesOf(log),
        chainTimeMs: ctx.blockTimeMs,
        observedAtMs: ctx.observedAtMs,
        ...(option ? { option } : {}),
      }),
    ];
  }

  private optionTerms(
    m: OptionMapping,
    read: (key: string, source: FieldSource | undefined) => string,
    log: ChainLog,
  ): OptionTerms {
    const kindText = read("option.kind", m.kind).toUpperCase();
    const kind = OPTION_KINDS[kindText];
    if (kind === undefined)
      throw new LogDecodeError(this.name, `option.kind: "${kindText}" is not CALL or PUT`, log);
    const expiry = read("option.expirySeconds", m.expirySeconds);
    if (!/^\d{1,12}$/.test(expiry))
      throw new LogDecodeError(this.name, `option.expirySeconds: "${expiry}" is not Unix seconds`, log);
    return {
      kind,
      strike: read("option.strike", m.strike),
      expiryMs: Number(expiry) * 1000,
      impliedVolatility: read("option.impliedVolatility", m.impliedVolatility),
      markPrice: read("option.markPrice", m.markPrice),
    };
  }
}
