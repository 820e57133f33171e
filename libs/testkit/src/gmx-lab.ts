import {
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  parseUnits,
} from "viem";
import { type EvmLab, type Landed, loadArtifact } from "./evm-lab.js";

/** A GMX v2 market of the lab emitter: an index asset and its token decimals. */
export interface GmxMarketSpec {
  readonly asset: string;
  readonly indexDecimals: number;
}

/** A collateral token of the lab emitter. */
export interface GmxTokenSpec {
  readonly symbol: string;
  readonly decimals: number;
}

/** A position's state after a change, in human units (USD, tokens). */
export interface GmxPositionState {
  readonly market: string;
  readonly collateral: string;
  readonly isLong: boolean;
  readonly sizeUsd: number;
  readonly sizeInTokens: number;
  readonly collateralAmount: number;
  /** Index and collateral prices (USD per token) the change executed at. */
  readonly indexPrice: number;
  readonly collateralPrice: number;
}

/**
 * A GMX v2-shaped EventEmitter on the lab chain (MockGmxEventEmitter): each
 * call emits the EventLog1 that GMX emits for a position change, with the
 * amounts in GMX's units (USD and prices with 30 decimals, tokens in their
 * own). Market and token addresses are stand-ins.
 */
export interface GmxLab {
  readonly emitter: Hex;
  readonly markets: Readonly<Record<string, Hex>>;
  readonly tokens: Readonly<Record<string, Hex>>;
  increase(trader: number, state: GmxPositionState): Promise<Landed>;
  decrease(trader: number, state: GmxPositionState): Promise<Landed>;
  /** A PositionDecrease with orderType Liquidation, leaving the position empty. */
  liquidate(trader: number, state: GmxPositionState): Promise<Landed>;
  /** Another EventEmitter event (EventLog2), which position followers ignore. */
  other(eventName: string): Promise<Landed>;
  /** The watcher's `gmx-v2` adapter entry for this emitter. */
  adapterConfig(venueId: string, minCollateralFactor?: number): Record<string, unknown>;
}

const standIn = (label: string): Hex => `0x${keccak256(new TextEncoder().encode(label)).slice(26)}`;
const ORDER_MARKET_INCREASE = 2n;
const ORDER_MARKET_DECREASE = 4n;
const ORDER_LIQUIDATION = 7n;

/** Deploys MockGmxEventEmitter on the lab chain. */
export async function deployGmxEmitter(
  lab: EvmLab,
  markets: readonly GmxMarketSpec[],
  tokens: readonly GmxTokenSpec[],
): Promise<GmxLab> {
  const artifact = loadArtifact("MockGmxEventEmitter");
  const transport = http(lab.rpcUrl, { retryCount: 0 });
  const client = createPublicClient({ transport }) as PublicClient;
  const accounts = await lab.node.rpc<Hex[]>("eth_accounts");
  const wallet = createWalletClient({ account: accounts[0]!, transport });
  const landed = async (hash: Hex): Promise<Landed> => {
    const r = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (r.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return { blockNumber: Number(r.blockNumber), blockHash: r.blockHash };
  };
  const deployed = await client.waitForTransactionReceipt({
    hash: await wallet.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, chain: null }),
    pollingInterval: 20,
  });
  const emitter = deployed.contractAddress!;
  const marketAddress = Object.fromEntries(markets.map((m) => [m.asset, standIn(`gmx-market:${m.asset}`)]));
  const tokenAddress = Object.fromEntries(tokens.map((t) => [t.symbol, standIn(`gmx-token:${t.symbol}`)]));
  const spec = new Map(markets.map((m) => [m.asset, m]));
  const token = new Map(tokens.map((t) => [t.symbol, t]));
  let orders = 0;

  const units = (x: number, decimals: number) => parseUnits(x.toFixed(Math.min(decimals, 12)), decimals);
  /** A price per token in GMX's units: USD per smallest unit with 30 decimals. */
  const perUnit = (usd: number, decimals: number) => units(usd, 30 - decimals);
  const change = async (trader: number, s: GmxPositionState, increase: boolean, orderType: bigint) => {
    const m = spec.get(s.market);
    const t = token.get(s.collateral);
    if (!m || !t) throw new Error(`unknown market ${s.market} or token ${s.collateral}`);
    const account = lab.traders[trader]!;
    const key = keccak256(
      new TextEncoder().encode(`${account}:${s.market}:${s.collateral}:${s.isLong ? "long" : "short"}`),
    );
    orders += 1;
    return landed(
      await wallet.writeContract({
        address: emitter,
        abi: artifact.abi,
        functionName: "emitPositionChange",
        chain: null,
        args: [
          {
            increase,
            positionKey: key,
            orderKey: keccak256(new TextEncoder().encode(`order:${orders}`)),
            account,
            market: marketAddress[s.market]!,
            collateralToken: tokenAddress[s.collateral]!,
            isLong: s.isLong,
            sizeInUsd: units(s.sizeUsd, 30),
            sizeInTokens: units(s.sizeInTokens, m.indexDecimals),
            collateralAmount: units(s.collateralAmount, t.decimals),
            executionPrice: perUnit(s.indexPrice, m.indexDecimals),
            indexTokenPrice: perUnit(s.indexPrice, m.indexDecimals),
            collateralTokenPrice: perUnit(s.collateralPrice, t.decimals),
            sizeDeltaUsd: units(s.sizeUsd, 30),
            orderType,
          },
        ],
      }),
    );
  };

  return {
    emitter,
    markets: marketAddress,
    tokens: tokenAddress,
    increase: (trader, s) => change(trader, s, true, ORDER_MARKET_INCREASE),
    decrease: (trader, s) => change(trader, s, false, ORDER_MARKET_DECREASE),
    liquidate: (trader, s) =>
      change(trader, { ...s, sizeUsd: 0, sizeInTokens: 0, collateralAmount: 0 }, false, ORDER_LIQUIDATION),
    other: async (eventName) =>
      landed(
        await wallet.writeContract({
          address: emitter,
          abi: artifact.abi,
          functionName: "emitOther",
          chain: null,
          args: [eventName, keccak256(new TextEncoder().encode(eventName)), `0x${"0".repeat(64)}`],
        }),
      ),
    adapterConfig: (venueId, minCollateralFactor) => ({
      kind: "gmx-v2",
      venueId,
      address: emitter,
      markets: Object.fromEntries(
        markets.map((m) => [
          marketAddress[m.asset]!,
          { name: `${m.asset}/USD`, asset: m.asset, indexDecimals: m.indexDecimals },
        ]),
      ),
      collateralTokens: Object.fromEntries(
        tokens.map((t) => [tokenAddress[t.symbol]!, { symbol: t.symbol, decimals: t.decimals }]),
      ),
      ...(minCollateralFactor === undefined ? {} : { minCollateralFactor }),
    }),
  };
}
