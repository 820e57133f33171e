import { readFileSync, writeFileSync } from "node:fs";
import {
  type Abi,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  parseUnits,
  stringToHex,
} from "viem";
import { type EvmNode, startEvmNode } from "./evm-node.js";
import { OPTIONS_VAULT_EVENTS } from "./options-vault.js";

/** A compiled contract of libs/testkit/contracts/artifacts/ (solc-js 0.8.28, see contracts/compile.mjs). */
export interface Artifact {
  readonly contractName: string;
  readonly abi: Abi;
  readonly bytecode: Hex;
}

export function loadArtifact(
  name:
    | "PerpVenue"
    | "MockAggregator"
    | "MockAggregatorProxy"
    | "MockAavePool"
    | "MockReserveToken"
    | "MockOptionsVault"
    | "MockGmxEventEmitter",
): Artifact {
  return JSON.parse(readFileSync(new URL(`../contracts/artifacts/${name}.json`, import.meta.url), "utf8"));
}

export interface EvmLabOptions {
  /** Breakwater chain id of the lab chain (default "evm-local"). */
  readonly chain?: string;
  /** EIP-155 chain id (default 31337). */
  readonly chainNumericId?: number;
  /** Starting oracle prices, USD (default { ETH: 3000 }). One market `<ASSET>-PERP` per asset. */
  readonly prices?: Readonly<Record<string, number>>;
  /** Also mine an empty block this often (default: blocks only on transactions). */
  readonly blockTimeMs?: number;
  /** Funded accounts (default 20: a deployer and 19 traders). */
  readonly accounts?: number;
}

/** What a transaction landed in. */
export interface Landed {
  readonly blockNumber: number;
  readonly blockHash: Hex;
}

/**
 * A local EVM chain for tests and the demo: a Hardhat node with Breakwater's
 * reference perp venue, one mock Chainlink aggregator per asset and a mock
 * options vault (followed as venue `opt-evm` through the mapped adapter).
 */
export interface EvmLab {
  readonly node: EvmNode;
  readonly chain: string;
  readonly chainNumericId: number;
  readonly rpcUrl: string;
  readonly venue: Hex;
  /** The options vault (MockOptionsVault). */
  readonly optionsVault: Hex;
  /** Aggregator address per asset. */
  readonly feeds: Readonly<Record<string, Hex>>;
  /** Hardhat's funded accounts after the first (account 0 deploys and keeps the feeds). */
  readonly traders: readonly Hex[];
  open(trader: number, market: string, isLong: boolean, size: number, collateral: number): Promise<Landed>;
  increase(trader: number, market: string, size: number, collateral: number): Promise<Landed>;
  decrease(trader: number, market: string, size: number, collateral: number): Promise<Landed>;
  /** Liquidates a position the oracle price has crossed (sent by account 0). */
  liquidate(trader: number, market: string): Promise<Landed>;
  /** Posts a new oracle answer (AnswerUpdated). */
  setPrice(asset: string, usd: number): Promise<Landed>;
  /**
   * Opens `count` positions in `<asset>-PERP` for traders 0..count-1 (deterministic:
   * alternating long/short, leverage spread from 2x to 20x, notional 5k–50k USD).
   */
  seedPositions(asset: string, count: number): Promise<Landed[]>;
  /**
   * Reports `count` options positions on `asset` in the vault for traders
   * 0..count-1 (deterministic: calls and puts, bought and written, strikes
   * 90%–110% of the price, 30 days to expiry, implied volatility 50%–62%).
   */
  seedOptions(asset: string, count: number): Promise<Landed[]>;
  /** Liquidates every seeded or opened position of `market` the oracle price has crossed; returns how many. */
  liquidateUnderwater(market: string): Promise<number>;
  /**
   * Moves `asset` by `move` (e.g. -0.2) in `steps` answers, `stepMs` apart; with
   * `liquidate`, liquidates the positions each step puts under water.
   */
  crash(
    asset: string,
    opts: { move: number; steps: number; stepMs: number; liquidate?: boolean },
  ): Promise<void>;
  /** The watcher's EVM chain file for this lab (write it as JSON; YAML is a superset). */
  chainConfig(overrides?: Record<string, unknown>): Record<string, unknown>;
  writeChainConfig(path: string, overrides?: Record<string, unknown>): void;
  stop(): Promise<void>;
}

const PRICE_DECIMALS = 8;

/** Starts a Hardhat node and deploys the venue and feeds (about 3 s). */
export async function startEvmLab(opts: EvmLabOptions = {}): Promise<EvmLab> {
  const chainNumericId = opts.chainNumericId ?? 31337;
  const node = await startEvmNode({
    chainId: chainNumericId,
    ...(opts.blockTimeMs === undefined ? {} : { blockTimeMs: opts.blockTimeMs }),
    ...(opts.accounts === undefined ? {} : { accounts: opts.accounts }),
  });
  try {
    return await deploy(node, opts, chainNumericId);
  } catch (err) {
    await node.stop();
    throw err;
  }
}

async function deploy(node: EvmNode, opts: EvmLabOptions, chainNumericId: number): Promise<EvmLab> {
  const chainDef = defineChain({
    id: chainNumericId,
    name: "breakwater-lab",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [node.url] } },
  });
  const transport = http(node.url, { retryCount: 0 });
  const publicClient = createPublicClient({ chain: chainDef, transport });
  const accounts = await node.rpc<Hex[]>("eth_accounts");
  const wallet = (i: number) => createWalletClient({ account: accounts[i]!, chain: chainDef, transport });
  const landed = async (hash: Hex): Promise<Landed> => {
    const r = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (r.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return { blockNumber: Number(r.blockNumber), blockHash: r.blockHash };
  };
  const deployContract = async (a: Artifact, args: unknown[]): Promise<Hex> => {
    const hash = await wallet(0).deployContract({ abi: a.abi, bytecode: a.bytecode, args });
    const r = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    return r.contractAddress!;
  };

  const aggregator = loadArtifact("MockAggregator");
  const perp = loadArtifact("PerpVenue");
  const prices = opts.prices ?? { ETH: 3000 };
  const feeds: Record<string, Hex> = {};
  const current: Record<string, number> = {};
  for (const [asset, usd] of Object.entries(prices)) {
    feeds[asset] = await deployContract(aggregator, [
      PRICE_DECIMALS,
      `${asset} / USD`,
      parseUnits(String(usd), PRICE_DECIMALS),
    ]);
    current[asset] = usd;
  }
  const venue = await deployContract(perp, []);
  const vault = loadArtifact("MockOptionsVault");
  const optionsVault = await deployContract(vault, []);
  const market = (name: string) => stringToHex(name, { size: 32 });
  for (const asset of Object.keys(feeds))
    await landed(
      await wallet(0).writeContract({
        address: venue,
        abi: perp.abi,
        functionName: "listMarket",
        args: [market(`${asset}-PERP`), feeds[asset]],
      }),
    );

  const e18 = (x: number) => parseUnits(x.toFixed(12), 18);
  const send = async (from: number, functionName: string, args: unknown[]) =>
    landed(await wallet(from).writeContract({ address: venue, abi: perp.abi, functionName, args }));
  const setPrice = async (asset: string, usd: number) => {
    current[asset] = usd;
    return landed(
      await wallet(0).writeContract({
        address: feeds[asset]!,
        abi: aggregator.abi,
        functionName: "updateAnswer",
        args: [parseUnits(usd.toFixed(PRICE_DECIMALS), PRICE_DECIMALS)],
      }),
    );
  };
  const open = new Map<string, Set<number>>(); // market → traders with a position
  const track = (market: string, trader: number, isOpen: boolean) => {
    const set = open.get(market) ?? new Set<number>();
    if (isOpen) set.add(trader);
    else set.delete(trader);
    open.set(market, set);
  };
  const liquidateUnderwater = async (m: string) => {
    let count = 0;
    for (const t of [...(open.get(m) ?? [])]) {
      try {
        await publicClient.simulateContract({
          account: accounts[0]!,
          address: venue,
          abi: perp.abi,
          functionName: "liquidate",
          args: [accounts[t + 1], market(m)],
        });
      } catch {
        continue; // not liquidatable (yet)
      }
      await send(0, "liquidate", [accounts[t + 1], market(m)]);
      track(m, t, false);
      count++;
    }
    return count;
  };
  const chain = opts.chain ?? "evm-local";
  const chainConfig = (overrides: Record<string, unknown> = {}) => ({
    chainId: chainNumericId,
    rpc: [node.url],
    confirmations: 0,
    pollMs: 200,
    startBlock: 0,
    adapters: [
      { kind: "perp-venue", venueId: "perp-evm", address: venue, collateralAsset: "USDC" },
      ...Object.entries(feeds).map(([asset, address]) => ({
        kind: "chainlink",
        address,
        asset,
        pair: `${asset}/USD`,
        decimals: PRICE_DECIMALS,
        heartbeatSeconds: 3600,
      })),
      {
        kind: "mapped",
        venueId: "opt-evm",
        address: optionsVault,
        abi: vault.abi.filter((x) => (x as { type: string }).type === "event"),
        events: OPTIONS_VAULT_EVENTS,
      },
    ],
    ...overrides,
  });

  return {
    node,
    chain,
    chainNumericId,
    rpcUrl: node.url,
    venue,
    optionsVault,
    feeds,
    traders: accounts.slice(1),
    async open(t, m, isLong, size, collateral) {
      const at = await send(t + 1, "open", [market(m), isLong, e18(size), e18(collateral)]);
      track(m, t, true);
      return at;
    },
    increase: (t, m, size, collateral) => send(t + 1, "increase", [market(m), e18(size), e18(collateral)]),
    decrease: (t, m, size, collateral) => send(t + 1, "decrease", [market(m), e18(size), e18(collateral)]),
    async liquidate(t, m) {
      const at = await send(0, "liquidate", [accounts[t + 1], market(m)]);
      track(m, t, false);
      return at;
    },
    setPrice,
    async seedPositions(asset, count) {
      const m = `${asset}-PERP`;
      const out: Landed[] = [];
      for (let t = 0; t < count; t++) {
        const notional = 5_000 + ((t * 7_919) % 45_000);
        const leverage = 2 + ((t * 13) % 19);
        out.push(
          await send(t + 1, "open", [
            market(m),
            t % 2 === 0,
            e18(notional / current[asset]!),
            e18(notional / leverage),
          ]),
        );
        track(m, t, true);
      }
      return out;
    },
    async seedOptions(asset, count) {
      const price = current[asset]!;
      const expiry = BigInt(Math.floor(Date.now() / 1000) + 30 * 86_400);
      const out: Landed[] = [];
      for (let t = 0; t < count; t++) {
        const isCall = t % 2 === 0;
        const strike = Math.round(price * (0.9 + 0.05 * (t % 5)));
        out.push(
          await landed(
            await wallet(t + 1).writeContract({
              address: optionsVault,
              abi: vault.abi,
              functionName: "setPosition",
              args: [
                market(`${asset}-30D-${strike}-${isCall ? "C" : "P"}`),
                isCall,
                t % 3 === 0,
                parseUnits(String(strike), 8),
                expiry,
                e18(1 + (t % 4)),
                BigInt(5_000 + 300 * (t % 5)),
              ],
            }),
          ),
        );
      }
      return out;
    },
    liquidateUnderwater,
    async crash(asset, { move, steps, stepMs, liquidate = false }) {
      const start = current[asset]!;
      for (let i = 1; i <= steps; i++) {
        await setPrice(asset, start * (1 + (move * i) / steps));
        if (liquidate) await liquidateUnderwater(`${asset}-PERP`);
        if (i < steps) await new Promise((r) => setTimeout(r, stepMs));
      }
    },
    chainConfig,
    writeChainConfig(path, overrides) {
      writeFileSync(path, JSON.stringify(chainConfig(overrides), null, 2));
    },
    stop: () => node.stop(),
  };
}
