import {
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  maxUint256,
  type PublicClient,
  parseUnits,
  zeroAddress,
} from "viem";
import { type EvmLab, type Landed, loadArtifact } from "./evm-lab.js";

/** A reserve of the lab's Aave-shaped pool, priced by the lab's feed of the same asset. */
export interface AaveReserveSpec {
  /** The lab asset (its feed prices the reserve) and the reserve's symbol. */
  readonly asset: string;
  readonly decimals: number;
  readonly liquidationThresholdBps: number;
  /** Including the repaid value: 10500 = 5% bonus. */
  readonly liquidationBonusBps: number;
  readonly ltvBps?: number;
  readonly eModeCategory?: number;
}

export interface AaveEModeSpec {
  readonly ltvBps: number;
  readonly liquidationThresholdBps: number;
  readonly liquidationBonusBps: number;
  /** A lab asset whose feed prices every reserve of the category (none: each its own). */
  readonly priceSource?: string;
  readonly label?: string;
}

/**
 * An Aave-shaped pool on the lab chain (MockAavePool): reserves listed and
 * priced by the lab's feeds, and each Pool action sent by a lab trader
 * (index into `lab.traders`). Amounts are in units of the reserve's asset.
 */
export interface AaveLab {
  readonly pool: Hex;
  /** Underlying (a stand-in address), aToken and variable debt token per asset. */
  readonly reserves: Readonly<Record<string, { underlying: Hex; aToken: Hex; debtToken: Hex }>>;
  configureEMode(id: number, spec: AaveEModeSpec): Promise<Landed>;
  supply(trader: number, asset: string, amount: number): Promise<Landed>;
  /** `amount` "all" withdraws the whole balance. */
  withdraw(trader: number, asset: string, amount: number | "all"): Promise<Landed>;
  borrow(trader: number, asset: string, amount: number): Promise<Landed>;
  repay(trader: number, asset: string, amount: number | "all"): Promise<Landed>;
  repayWithATokens(trader: number, asset: string, amount: number | "all"): Promise<Landed>;
  setCollateral(trader: number, asset: string, on: boolean): Promise<Landed>;
  setEMode(trader: number, category: number): Promise<Landed>;
  /** An aToken transfer between traders (BalanceTransfer). */
  transferATokens(from: number, to: number, asset: string, amount: number): Promise<Landed>;
  /** `liquidator` repays `debtToCover` of `user`'s debt in `debtAsset` and seizes `collateralAsset`. */
  liquidate(
    liquidator: number,
    user: number,
    collateralAsset: string,
    debtAsset: string,
    debtToCover: number,
    receiveAToken?: boolean,
  ): Promise<Landed>;
  /** getUserAccountData (base currency with 8 decimals; health factor with 18). */
  accountData(
    trader: number,
  ): Promise<{ totalCollateralBase: bigint; totalDebtBase: bigint; healthFactor: bigint }>;
  /** The watcher's `aave-v3` adapter entry for this pool. */
  adapterConfig(venueId: string): Record<string, unknown>;
}

/** Deploys MockAavePool on the lab chain and lists `reserves` (each priced by the lab's feed of its asset). */
export async function deployAavePool(lab: EvmLab, reserves: readonly AaveReserveSpec[]): Promise<AaveLab> {
  const artifact = loadArtifact("MockAavePool");
  const token = loadArtifact("MockReserveToken");
  const transport = http(lab.rpcUrl, { retryCount: 0 });
  const client = createPublicClient({ transport }) as PublicClient;
  const accounts = await lab.node.rpc<Hex[]>("eth_accounts");
  const wallet = (account: Hex) => createWalletClient({ account, transport });
  const landed = async (hash: Hex): Promise<Landed> => {
    const r = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (r.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return { blockNumber: Number(r.blockNumber), blockHash: r.blockHash };
  };
  const deployment = await wallet(accounts[0]!).deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    chain: null,
  });
  const pool = (await client.waitForTransactionReceipt({ hash: deployment, pollingInterval: 20 }))
    .contractAddress!;
  const send = async (from: Hex, functionName: string, args: unknown[], to: Hex = pool, abi = artifact.abi) =>
    landed(await wallet(from).writeContract({ address: to, abi, functionName, args, chain: null }));
  const read = async (functionName: string, args: unknown[]) =>
    client.readContract({ address: pool, abi: artifact.abi, functionName, args });
  const deployer = accounts[0]!;
  const spec = new Map(reserves.map((r) => [r.asset, r]));
  const listed: Record<string, { underlying: Hex; aToken: Hex; debtToken: Hex }> = {};
  for (const [i, r] of reserves.entries()) {
    const feed = lab.feeds[r.asset];
    if (!feed) throw new Error(`the lab has no feed for ${r.asset}`);
    // a stand-in for the underlying token: the pool only keys reserves by it
    const underlying = `0x${(0xa0e00 + i).toString(16).padStart(40, "0")}` as Hex;
    await send(deployer, "initReserve", [underlying]);
    await send(deployer, "configureReserve", [
      underlying,
      BigInt(r.ltvBps ?? r.liquidationThresholdBps - 500),
      BigInt(r.liquidationThresholdBps),
      BigInt(r.liquidationBonusBps),
      BigInt(r.decimals),
      BigInt(r.eModeCategory ?? 0),
    ]);
    await send(deployer, "setAssetSource", [underlying, feed]);
    listed[r.asset] = {
      underlying,
      aToken: (await read("aTokenOf", [underlying])) as Hex,
      debtToken: (await read("debtTokenOf", [underlying])) as Hex,
    };
  }
  const reserve = (asset: string) => {
    const r = listed[asset];
    if (!r) throw new Error(`no reserve ${asset}`);
    return r;
  };
  const units = (asset: string, amount: number | "all") =>
    amount === "all"
      ? maxUint256
      : parseUnits(amount.toFixed(Math.min(12, spec.get(asset)!.decimals)), spec.get(asset)!.decimals);
  const trader = (t: number) => {
    const a = lab.traders[t];
    if (!a) throw new Error(`no trader ${t}`);
    return a;
  };
  return {
    pool,
    reserves: listed,
    async configureEMode(id, e) {
      let priceSource: Hex = zeroAddress;
      if (e.priceSource) {
        // the category's price source is an asset the oracle prices: its own stand-in address
        priceSource = `0x${(0xe0e00 + id).toString(16).padStart(40, "0")}` as Hex;
        await send(deployer, "setAssetSource", [priceSource, lab.feeds[e.priceSource]!]);
      }
      return send(deployer, "configureEModeCategory", [
        id,
        {
          ltv: e.ltvBps,
          liquidationThreshold: e.liquidationThresholdBps,
          liquidationBonus: e.liquidationBonusBps,
          priceSource,
          label: e.label ?? `category ${id}`,
        },
      ]);
    },
    supply: (t, asset, amount) =>
      send(trader(t), "supply", [reserve(asset).underlying, units(asset, amount), trader(t), 0]),
    withdraw: (t, asset, amount) =>
      send(trader(t), "withdraw", [reserve(asset).underlying, units(asset, amount), trader(t)]),
    borrow: (t, asset, amount) =>
      send(trader(t), "borrow", [reserve(asset).underlying, units(asset, amount), 2n, 0, trader(t)]),
    repay: (t, asset, amount) =>
      send(trader(t), "repay", [reserve(asset).underlying, units(asset, amount), 2n, trader(t)]),
    repayWithATokens: (t, asset, amount) =>
      send(trader(t), "repayWithATokens", [reserve(asset).underlying, units(asset, amount), 2n]),
    setCollateral: (t, asset, on) =>
      send(trader(t), "setUserUseReserveAsCollateral", [reserve(asset).underlying, on]),
    setEMode: (t, category) => send(trader(t), "setUserEMode", [category]),
    transferATokens: (from, to, asset, amount) =>
      send(trader(from), "transfer", [trader(to), units(asset, amount)], reserve(asset).aToken, token.abi),
    liquidate: (liquidator, user, collateralAsset, debtAsset, debtToCover, receiveAToken = false) =>
      send(trader(liquidator), "liquidationCall", [
        reserve(collateralAsset).underlying,
        reserve(debtAsset).underlying,
        trader(user),
        units(debtAsset, debtToCover),
        receiveAToken,
      ]),
    async accountData(t) {
      const [totalCollateralBase, totalDebtBase, , , , healthFactor] = (await read("getUserAccountData", [
        trader(t),
      ])) as readonly bigint[];
      return {
        totalCollateralBase: totalCollateralBase!,
        totalDebtBase: totalDebtBase!,
        healthFactor: healthFactor!,
      };
    },
    adapterConfig: (venueId) => ({
      kind: "aave-v3",
      venueId,
      address: pool,
      reserves: Object.fromEntries(
        reserves.map((r) => [
          listed[r.asset]!.underlying,
          {
            symbol: r.asset,
            decimals: r.decimals,
            aToken: listed[r.asset]!.aToken,
            debtToken: listed[r.asset]!.debtToken,
          },
        ]),
      ),
    }),
  };
}
