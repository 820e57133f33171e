import {
  type AccountReserve,
  chainEventId,
  type EModeCategory,
  formatUnits,
  type LegSide,
  type LendingAccountRisk,
  type LendingLegRisk,
  significantDecimal,
  solveLendingAccount,
} from "@breakwater/core";
import { PositionSide, PositionStatus, type PositionUpdate } from "@breakwater/proto";
import { type Abi, decodeFunctionResult, encodeFunctionData } from "viem";
import type { BlockEvent } from "../../../chain-driver.js";
import type { ChainLog } from "../rpc-schemas.js";
import {
  aaveV3OracleAbi,
  aaveV3PoolAbi,
  aaveV3PoolReadsAbi,
  aTokenEventsAbi,
  balanceOfAbi,
} from "./aave-v3-abi.js";
import { type ContractReader, coordinatesOf, type LogAdapter, type LogContext, position } from "./adapter.js";
import { EventDecoder } from "./event-decoder.js";

const poolEvents = new EventDecoder(aaveV3PoolAbi);
const aTokenEvents = new EventDecoder(aTokenEventsAbi);
const ZERO = "0x0000000000000000000000000000000000000000";

export interface AaveReserveConfig {
  readonly symbol: string;
  readonly decimals: number;
  /** The reserve's aToken (supply balances; its BalanceTransfer events are followed). */
  readonly aToken: `0x${string}`;
  /** The reserve's variable debt token (debt balances). */
  readonly debtToken: `0x${string}`;
  /** The reserve's stable debt token, when it has one (its balance adds to the debt). */
  readonly stableDebtToken?: `0x${string}` | undefined;
}

export interface AaveV3AdapterConfig {
  readonly venueId: string;
  /** The Pool contract. */
  readonly address: `0x${string}`;
  /** Reserves by underlying asset address. */
  readonly reserves: Readonly<Record<string, AaveReserveConfig>>;
  /** Decimals of the Pool's base currency, in which its oracle prices (8 = USD on Aave v3). */
  readonly baseCurrencyDecimals?: number | undefined;
}

/** A reserve's parameters, unpacked from its ReserveConfigurationMap. */
export interface ReserveParameters {
  readonly liquidationThresholdBps: number;
  readonly liquidationBonusBps: number;
  readonly decimals: number;
  readonly eModeCategory: number;
}

/** ReserveConfigurationMap: bits 16–31 threshold, 32–47 bonus, 48–55 decimals, 168–175 eMode category. */
export function reserveParameters(data: bigint): ReserveParameters {
  return {
    liquidationThresholdBps: Number((data >> 16n) & 0xffffn),
    liquidationBonusBps: Number((data >> 32n) & 0xffffn),
    decimals: Number((data >> 48n) & 0xffn),
    eModeCategory: Number((data >> 168n) & 0xffn),
  };
}

/** UserConfigurationMap: per reserve id k, bit 2k = borrowing, bit 2k+1 = used as collateral. */
export const usesAsCollateral = (userConfig: bigint, reserveId: number): boolean =>
  ((userConfig >> BigInt(2 * reserveId + 1)) & 1n) === 1n;
const usesReserve = (userConfig: bigint, reserveId: number): boolean =>
  ((userConfig >> BigInt(2 * reserveId)) & 3n) !== 0n;

/** One account as of one block: every configured reserve's balances and parameters, solved. */
export interface AccountState {
  readonly reserves: readonly AccountReserve[];
  /** The account uses a reserve the configuration does not list: its health cannot be computed. */
  readonly complete: boolean;
  readonly risk: LendingAccountRisk;
}

/** A leg an event names (it is published even when its balance went to zero). */
interface NamedLeg {
  readonly reserve: string;
  readonly side: LegSide;
  readonly liquidated?: boolean;
}

/** An account an event changes, and the legs it names. */
interface Touched {
  readonly account: `0x${string}`;
  readonly named: readonly NamedLeg[];
  /** Tells apart the ids of two accounts one log touches (a transfer's sender and receiver). */
  readonly role: string;
}

interface Reserve {
  readonly underlying: `0x${string}`;
  readonly cfg: AaveReserveConfig;
}

/** Solved accounts kept per (block hash, account): events of one block share their reads. */
const SOLVED_KEPT = 256;

/**
 * Aave v3 Pool: every event that changes an account (Supply, Withdraw,
 * Borrow, Repay, LiquidationCall, ReserveUsedAsCollateralEnabled/Disabled,
 * UserEModeSet, and the aTokens' BalanceTransfer) re-reads the whole account
 * as of the event's block — each configured reserve's aToken and debt
 * balances and configuration, the account's collateral flags and eMode
 * category, the Pool oracle's prices — solves it (`solveLendingAccount`) and
 * publishes the full state of each of its legs: supply (market `<symbol>`)
 * and debt (market `<symbol>:debt`), each with its liquidation price (HF = 1
 * with every other price fixed) and the size a liquidation there takes
 * (close factor and bonus). A leg the event names is published even at
 * zero (closed, or liquidated by a LiquidationCall).
 */
export class AaveV3Adapter implements LogAdapter {
  readonly name: string;
  readonly addresses: readonly `0x${string}`[];
  private readonly pool: `0x${string}`;
  /** Configured reserves, in configuration order. */
  private readonly reserves: readonly Reserve[];
  private readonly byUnderlying: Map<string, Reserve>;
  private readonly byAToken: Map<string, Reserve>;
  private readonly baseDecimals: number;
  /** Configured underlying → reserve id, and the ids of reserves not configured. */
  private ids: { readonly of: Map<string, number>; readonly others: readonly number[] } | undefined;
  private readonly solved = new Map<string, Promise<AccountState>>();

  constructor(private readonly cfg: AaveV3AdapterConfig) {
    this.name = `aave-v3:${cfg.venueId}`;
    this.pool = cfg.address.toLowerCase() as `0x${string}`;
    this.reserves = Object.entries(cfg.reserves).map(([k, v]) => ({
      underlying: k.toLowerCase() as `0x${string}`,
      cfg: v,
    }));
    const symbols = new Set(this.reserves.map((r) => r.cfg.symbol));
    if (symbols.size !== this.reserves.length)
      throw new RangeError(`${this.name}: two reserves with one symbol (each symbol names one market)`);
    this.byUnderlying = new Map(this.reserves.map((r) => [r.underlying, r]));
    this.byAToken = new Map(this.reserves.map((r) => [r.cfg.aToken.toLowerCase(), r]));
    this.addresses = [this.pool, ...this.byAToken.keys()] as `0x${string}`[];
    this.baseDecimals = cfg.baseCurrencyDecimals ?? 8;
  }

  async decode(log: ChainLog, ctx: LogContext): Promise<BlockEvent[]> {
    const touched = this.touchedBy(log);
    const out: BlockEvent[] = [];
    for (const t of touched) {
      if (t.account.toLowerCase() === ZERO) continue;
      const state = await this.accountAt(t.account, log, ctx.reader);
      for (const update of this.legUpdates(state, t, log, ctx)) out.push(position(update));
    }
    return out;
  }

  /** The accounts a log changes (none for an event the adapter does not follow). */
  private touchedBy(log: ChainLog): Touched[] {
    const address = log.address.toLowerCase();
    if (address !== this.pool) {
      const reserve = this.byAToken.get(address);
      const decoded = reserve && aTokenEvents.decodeLog(log, this.name);
      if (!reserve || !decoded) return [];
      const named = [{ reserve: reserve.underlying, side: "supply" as const }];
      const { from, to } = decoded.args;
      if (from.toLowerCase() === to.toLowerCase()) return [{ account: from, named, role: "" }];
      return [
        { account: from, named, role: "from" },
        { account: to, named, role: "to" },
      ];
    }
    const decoded = poolEvents.decodeLog(log, this.name);
    if (!decoded) return [];
    const one = (account: `0x${string}`, ...named: NamedLeg[]): Touched[] => [{ account, named, role: "" }];
    switch (decoded.eventName) {
      case "Supply":
        return one(decoded.args.onBehalfOf, { reserve: decoded.args.reserve, side: "supply" });
      case "Withdraw":
        return one(decoded.args.user, { reserve: decoded.args.reserve, side: "supply" });
      case "Borrow":
        return one(decoded.args.onBehalfOf, { reserve: decoded.args.reserve, side: "borrow" });
      case "Repay":
        return decoded.args.useATokens
          ? one(
              decoded.args.user,
              { reserve: decoded.args.reserve, side: "borrow" },
              { reserve: decoded.args.reserve, side: "supply" },
            )
          : one(decoded.args.user, { reserve: decoded.args.reserve, side: "borrow" });
      case "LiquidationCall":
        return one(
          decoded.args.user,
          { reserve: decoded.args.collateralAsset, side: "supply", liquidated: true },
          { reserve: decoded.args.debtAsset, side: "borrow", liquidated: true },
        );
      case "ReserveUsedAsCollateralEnabled":
      case "ReserveUsedAsCollateralDisabled":
        return one(decoded.args.user, { reserve: decoded.args.reserve, side: "supply" });
      case "UserEModeSet":
        return one(decoded.args.user);
    }
  }

  /** The account as of the log's block (read once per block and account). */
  private accountAt(account: `0x${string}`, log: ChainLog, reader: ContractReader): Promise<AccountState> {
    const key = `${log.blockHash}:${account.toLowerCase()}`;
    const hit = this.solved.get(key);
    if (hit) return hit;
    const state = this.readAccount(reader, account, log.blockNumber);
    this.solved.set(key, state);
    state.catch(() => this.solved.delete(key));
    if (this.solved.size > SOLVED_KEPT) this.solved.delete(this.solved.keys().next().value!);
    return state;
  }

  /** Reads and solves one account as of `blockNumber`. */
  async readAccount(reader: ContractReader, user: `0x${string}`, blockNumber: number): Promise<AccountState> {
    const call = <const A extends Abi>(
      to: `0x${string}`,
      abi: A,
      functionName: string,
      args: unknown[] = [],
    ) =>
      reader
        .call(to, encodeFunctionData({ abi, functionName, args } as never), blockNumber)
        .then((data) => decodeFunctionResult({ abi, functionName, data } as never) as unknown);
    const balance = (token: `0x${string}` | undefined) =>
      token ? (call(token, balanceOfAbi, "balanceOf", [user]) as Promise<bigint>) : Promise.resolve(0n);
    const eModeId = call(this.pool, aaveV3PoolReadsAbi, "getUserEMode", [user]).then((x) =>
      Number(x as bigint),
    );
    const eModeData = eModeId.then((id) =>
      id === 0
        ? undefined
        : (call(this.pool, aaveV3PoolReadsAbi, "getEModeCategoryData", [id]) as Promise<{
            liquidationThreshold: number;
            liquidationBonus: number;
            priceSource: `0x${string}`;
          }>),
    );
    const oracle = call(this.pool, aaveV3PoolReadsAbi, "ADDRESSES_PROVIDER").then(
      (provider) =>
        call(provider as `0x${string}`, aaveV3OracleAbi, "getPriceOracle") as Promise<`0x${string}`>,
    );
    const prices = Promise.all([oracle, eModeData]).then(([o, e]) => {
      const assets = this.reserves.map((r) => r.underlying);
      const source = e && e.priceSource.toLowerCase() !== ZERO ? e.priceSource : undefined;
      return call(o, aaveV3OracleAbi, "getAssetsPrices", [source ? [...assets, source] : assets]) as Promise<
        readonly bigint[]
      >;
    });
    const [ids, userConfig, eId, eData, raw, perReserve] = await Promise.all([
      this.reserveIds(call),
      call(this.pool, aaveV3PoolReadsAbi, "getUserConfiguration", [user]).then(
        (x) => (x as { data: bigint }).data,
      ),
      eModeId,
      eModeData,
      prices,
      Promise.all(
        this.reserves.map((r) =>
          Promise.all([
            call(this.pool, aaveV3PoolReadsAbi, "getConfiguration", [r.underlying]).then(
              (x) => (x as { data: bigint }).data,
            ),
            balance(r.cfg.aToken),
            balance(r.cfg.debtToken),
            balance(r.cfg.stableDebtToken),
          ]),
        ),
      ),
    ]);
    const price = (x: bigint | undefined) => Number(x ?? 0n) / 10 ** this.baseDecimals;
    const reserves: AccountReserve[] = this.reserves.map((r, i) => {
      const [configuration, supplied, variableDebt, stableDebt] = perReserve[i]!;
      const params = reserveParameters(configuration);
      const id = ids.of.get(r.underlying);
      return {
        reserve: {
          asset: r.cfg.symbol,
          decimals: r.cfg.decimals,
          liquidationThresholdBps: params.liquidationThresholdBps,
          liquidationBonusBps: params.liquidationBonusBps,
          eModeCategory: params.eModeCategory,
          price: price(raw[i]),
        },
        supplied,
        borrowed: variableDebt + stableDebt,
        usedAsCollateral: id !== undefined && usesAsCollateral(userConfig, id),
      };
    });
    const eMode: EModeCategory | undefined = eData && {
      id: eId,
      liquidationThresholdBps: Number(eData.liquidationThreshold),
      liquidationBonusBps: Number(eData.liquidationBonus),
      sourcePrice: raw.length > this.reserves.length ? price(raw[this.reserves.length]) : 0,
    };
    const complete =
      this.reserves.every((r) => ids.of.has(r.underlying)) &&
      !ids.others.some((k) => usesReserve(userConfig, k));
    return { reserves, complete, risk: solveLendingAccount({ reserves, eMode }) };
  }

  /** Reserve ids from the Pool's reserves list (read until every configured reserve is listed). */
  private async reserveIds(
    call: (to: `0x${string}`, abi: Abi, fn: string) => Promise<unknown>,
  ): Promise<{ of: Map<string, number>; others: readonly number[] }> {
    if (this.ids) return this.ids;
    const list = (await call(this.pool, aaveV3PoolReadsAbi, "getReservesList")) as readonly `0x${string}`[];
    const of = new Map<string, number>();
    const others: number[] = [];
    list.forEach((asset, id) => {
      if (this.byUnderlying.has(asset.toLowerCase())) of.set(asset.toLowerCase(), id);
      else others.push(id);
    });
    const ids = { of, others };
    if (of.size === this.reserves.length) this.ids = ids;
    return ids;
  }

  /** The position updates of an account's legs after an event: those with a balance, and those it names. */
  private legUpdates(state: AccountState, t: Touched, log: ChainLog, ctx: LogContext): PositionUpdate[] {
    const out: PositionUpdate[] = [];
    this.reserves.forEach((r, i) => {
      const held = state.reserves[i]!;
      for (const side of ["supply", "borrow"] as const) {
        const amount = side === "supply" ? held.supplied : held.borrowed;
        const named = t.named.find((n) => n.side === side && n.reserve.toLowerCase() === r.underlying);
        if (amount === 0n && !named) continue;
        const leg = state.risk.legs.find((l) => l.reserve === i && l.side === side);
        out.push(this.updateOf(r, side, amount, named?.liquidated === true, leg, state, t, log, ctx));
      }
    });
    return out;
  }

  private updateOf(
    r: Reserve,
    side: LegSide,
    amount: bigint,
    liquidated: boolean,
    leg: LendingLegRisk | undefined,
    state: AccountState,
    t: Touched,
    log: ChainLog,
    ctx: LogContext,
  ): PositionUpdate {
    const market = side === "supply" ? r.cfg.symbol : `${r.cfg.symbol}:debt`;
    const status =
      amount > 0n
        ? PositionStatus.POSITION_STATUS_OPEN
        : liquidated
          ? PositionStatus.POSITION_STATUS_LIQUIDATED
          : PositionStatus.POSITION_STATUS_CLOSED;
    return {
      eventId: chainEventId(
        ctx.chainId,
        log.blockHash,
        log.logIndex,
        t.role ? `${t.role}:${market}` : market,
      ),
      chainId: ctx.chainId,
      venueId: this.cfg.venueId,
      account: t.account.toLowerCase(),
      market,
      asset: r.cfg.symbol,
      side: side === "supply" ? PositionSide.POSITION_SIDE_SUPPLY : PositionSide.POSITION_SIDE_BORROW,
      status,
      size: formatUnits(amount, r.cfg.decimals),
      entryPrice: "",
      collateralAsset: "",
      collateralAmount: "",
      ...liquidation(leg, state, amount, r.cfg.decimals),
      coordinates: coordinatesOf(log),
      chainTimeMs: ctx.blockTimeMs,
      observedAtMs: ctx.observedAtMs,
    };
  }
}

/** A leg's liquidation price and the size a liquidation there takes (empty without a price). */
function liquidation(
  leg: LendingLegRisk | undefined,
  state: AccountState,
  amount: bigint,
  decimals: number,
): Pick<PositionUpdate, "liquidationPrice" | "liquidatableSize"> {
  const price = amount > 0n && leg ? ladderPrice(leg, state) : "";
  if (price === "" || !leg) return { liquidationPrice: "", liquidatableSize: "" };
  const all = leg.liquidatableAmount >= leg.amount * (1 - 1e-12);
  return {
    liquidationPrice: price,
    liquidatableSize: all ? formatUnits(amount, decimals) : significantDecimal(leg.liquidatableAmount),
  };
}

/**
 * The liquidation price a leg is published with: where HF reaches 1 by a
 * move of its price; for an account already below 1 whose leg no single move
 * brings back to 1, its current price (it is liquidatable now). Empty for a
 * leg that cannot be liquidated by its price (and for every leg of an account
 * holding reserves the configuration does not list).
 */
function ladderPrice(leg: LendingLegRisk, state: AccountState): string {
  if (!state.complete) return "";
  if (leg.liquidationPrice !== undefined) return significantDecimal(leg.liquidationPrice);
  const own = state.reserves[leg.reserve]!.reserve.price;
  const seizable = leg.side === "borrow" || leg.counted;
  if (state.risk.liquidatable && seizable && own > 0) return significantDecimal(own);
  return "";
}
