import { chainEventId, formatUnits } from "@breakwater/core";
import { PositionSide, PositionStatus, type PositionUpdate } from "@breakwater/proto";
import { decodeFunctionResult, encodeFunctionData } from "viem";
import type { BlockEvent } from "../../../chain-driver.js";
import type { ChainLog } from "../rpc-schemas.js";
import { aaveV3PoolAbi, balanceOfAbi } from "./aave-v3-abi.js";
import { EventDecoder } from "./event-decoder.js";

const poolEvents = new EventDecoder(aaveV3PoolAbi);

import { type ContractReader, coordinatesOf, type LogAdapter, type LogContext, position } from "./adapter.js";

export interface AaveReserveConfig {
  readonly symbol: string;
  readonly decimals: number;
  /** The reserve's aToken (supply balances). */
  readonly aToken: `0x${string}`;
  /** The reserve's variable debt token (debt balances). */
  readonly debtToken: `0x${string}`;
}

export interface AaveV3AdapterConfig {
  readonly venueId: string;
  /** The Pool contract. */
  readonly address: `0x${string}`;
  /** Reserves by underlying asset address. */
  readonly reserves: Readonly<Record<string, AaveReserveConfig>>;
  /** Decimals of the Pool's base currency in getUserAccountData (8 = USD on Aave v3). */
  readonly baseCurrencyDecimals?: number | undefined;
}

/** getUserAccountData, as of a block. */
export interface AccountHealth {
  readonly totalCollateralBase: bigint;
  readonly totalDebtBase: bigint;
  /** Basis points. */
  readonly liquidationThresholdBps: bigint;
  /** 1e18 = 1.0; below 1e18 the account can be liquidated. */
  readonly healthFactor: bigint;
}

/**
 * The collateral price (in the base currency) at which an account's health
 * factor reaches 1, taking `collateral` (with `decimals`) as its only
 * collateral: debt / (collateral × threshold). Empty without debt.
 */
export function collateralLiquidationPrice(
  health: AccountHealth,
  collateral: bigint,
  decimals: number,
  baseDecimals: number,
): string {
  if (health.totalDebtBase === 0n || collateral === 0n || health.liquidationThresholdBps === 0n) return "";
  const scaled =
    (health.totalDebtBase * 10n ** BigInt(decimals) * 10_000n) /
    (collateral * health.liquidationThresholdBps);
  return formatUnits(scaled, baseDecimals);
}

type Leg = {
  readonly account: `0x${string}`;
  readonly reserve: `0x${string}`;
  readonly side: "supply" | "borrow";
  readonly suffix?: string;
  readonly liquidated?: boolean;
};

/**
 * Aave v3 Pool: each Supply/Withdraw/Borrow/Repay/LiquidationCall becomes the
 * full state of the account's supply or debt position in the reserve (balances
 * of the aToken and debt token as of the event's block), and a supply carries
 * the collateral price at which the account becomes liquidatable (from
 * getUserAccountData). Lending collateral and debt are the first contagion channel.
 */
export class AaveV3Adapter implements LogAdapter {
  readonly name: string;
  readonly addresses: readonly `0x${string}`[];
  private readonly reserves: Map<string, AaveReserveConfig>;

  constructor(private readonly cfg: AaveV3AdapterConfig) {
    this.name = `aave-v3:${cfg.venueId}`;
    this.addresses = [cfg.address.toLowerCase() as `0x${string}`];
    this.reserves = new Map(Object.entries(cfg.reserves).map(([k, v]) => [k.toLowerCase(), v]));
  }

  async decode(log: ChainLog, ctx: LogContext): Promise<BlockEvent[]> {
    const decoded = poolEvents.decodeLog(log, this.name);
    if (!decoded) return [];
    const legs: Leg[] = [];
    switch (decoded.eventName) {
      case "Supply":
        legs.push({ account: decoded.args.onBehalfOf, reserve: decoded.args.reserve, side: "supply" });
        break;
      case "Withdraw":
        legs.push({ account: decoded.args.user, reserve: decoded.args.reserve, side: "supply" });
        break;
      case "Borrow":
        legs.push({ account: decoded.args.onBehalfOf, reserve: decoded.args.reserve, side: "borrow" });
        break;
      case "Repay":
        legs.push({ account: decoded.args.user, reserve: decoded.args.reserve, side: "borrow" });
        if (decoded.args.useATokens)
          legs.push({
            account: decoded.args.user,
            reserve: decoded.args.reserve,
            side: "supply",
            suffix: "atokens",
          });
        break;
      case "LiquidationCall":
        legs.push(
          {
            account: decoded.args.user,
            reserve: decoded.args.collateralAsset,
            side: "supply",
            suffix: "collateral",
            liquidated: true,
          },
          {
            account: decoded.args.user,
            reserve: decoded.args.debtAsset,
            side: "borrow",
            suffix: "debt",
            liquidated: true,
          },
        );
        break;
    }
    const known = legs.filter((l) => this.reserves.has(l.reserve.toLowerCase()));
    if (known.length === 0) return [];
    // only a supply leg uses the account's health (for its liquidation price)
    const supply = known.find((l) => l.side === "supply");
    const health = supply && (await this.accountHealth(ctx.reader, supply.account, log.blockNumber));
    return Promise.all(known.map(async (leg) => position(await this.positionOf(leg, health, log, ctx))));
  }

  private async positionOf(
    leg: Leg,
    health: AccountHealth | undefined,
    log: ChainLog,
    ctx: LogContext,
  ): Promise<PositionUpdate> {
    const reserve = this.reserves.get(leg.reserve.toLowerCase())!;
    const token = leg.side === "supply" ? reserve.aToken : reserve.debtToken;
    const balance = await this.balanceOf(ctx.reader, token, leg.account, log.blockNumber);
    const status =
      balance > 0n
        ? PositionStatus.POSITION_STATUS_OPEN
        : leg.liquidated
          ? PositionStatus.POSITION_STATUS_LIQUIDATED
          : PositionStatus.POSITION_STATUS_CLOSED;
    return {
      eventId: chainEventId(ctx.chainId, log.blockHash, log.logIndex, leg.suffix ?? ""),
      chainId: ctx.chainId,
      venueId: this.cfg.venueId,
      account: leg.account.toLowerCase(),
      market: reserve.symbol,
      asset: reserve.symbol,
      side: leg.side === "supply" ? PositionSide.POSITION_SIDE_SUPPLY : PositionSide.POSITION_SIDE_BORROW,
      status,
      size: formatUnits(balance, reserve.decimals),
      entryPrice: "",
      collateralAsset: "",
      collateralAmount: "",
      liquidationPrice:
        health && leg.side === "supply" && balance > 0n
          ? collateralLiquidationPrice(health, balance, reserve.decimals, this.cfg.baseCurrencyDecimals ?? 8)
          : "",
      coordinates: coordinatesOf(log),
      chainTimeMs: ctx.blockTimeMs,
      observedAtMs: ctx.observedAtMs,
    };
  }

  /** getUserAccountData as of a block. */
  async accountHealth(
    reader: ContractReader,
    user: `0x${string}`,
    blockNumber: number,
  ): Promise<AccountHealth> {
    const raw = await reader.call(
      this.addresses[0]!,
      encodeFunctionData({ abi: aaveV3PoolAbi, functionName: "getUserAccountData", args: [user] }),
      blockNumber,
    );
    const [totalCollateralBase, totalDebtBase, , liquidationThresholdBps, , healthFactor] =
      decodeFunctionResult({
        abi: aaveV3PoolAbi,
        functionName: "getUserAccountData",
        data: raw,
      });
    return { totalCollateralBase, totalDebtBase, liquidationThresholdBps, healthFactor };
  }

  private async balanceOf(
    reader: ContractReader,
    token: `0x${string}`,
    user: `0x${string}`,
    blockNumber: number,
  ): Promise<bigint> {
    const raw = await reader.call(
      token,
      encodeFunctionData({ abi: balanceOfAbi, functionName: "balanceOf", args: [user] }),
      blockNumber,
    );
    return decodeFunctionResult({ abi: balanceOfAbi, functionName: "balanceOf", data: raw });
  }
}
