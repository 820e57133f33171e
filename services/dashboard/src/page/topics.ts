// What each server-sent event carries (the dashboard's feed, from the correlator's and coordinator's JSON).
import type { ExposureRowJson } from "./shapes.js";

export const TOPICS = [
  "exposure",
  "ladder",
  "prices",
  "correlations",
  "chains",
  "signals",
  "status",
] as const;
export type Topic = (typeof TOPICS)[number];

export interface LadderJson {
  readonly asset: string;
  readonly price: number;
  readonly withoutLiquidationPrice: number;
  readonly rungs: readonly {
    moveBps: number;
    price: number;
    notional: number;
    cumulativeNotional: number;
    positions: number;
  }[];
}

export interface PriceJson {
  readonly asset: string;
  readonly price: string;
  readonly divergence: number;
  readonly unpriceable: boolean;
  readonly agreeingSources: number;
  readonly sources: readonly {
    chainId: string;
    source: string;
    price: string;
    deviation: number;
    ageMs: number;
    excluded: string;
    chainStale: boolean;
  }[];
}

export interface ChainJson {
  readonly chainId: string;
  readonly status?: string;
  readonly headNumber?: number;
  readonly lastHeartbeatMs: number;
  readonly ageMs: number;
  readonly stale: boolean;
  readonly detail?: string;
}

export interface SignalJson {
  readonly sequence: number;
  readonly kind: string;
  readonly assets: readonly string[];
  readonly issuedAtMs: number;
  readonly effectiveAtMs: number;
  readonly reason: string;
  readonly acks: Readonly<Record<string, string>>;
}

export interface TopicData {
  exposure: { rows: ExposureRowJson[] };
  ladder: { ladders: LadderJson[] };
  prices: { prices: PriceJson[] };
  correlations: {
    assets: { asset: string; samples: number; volatility: number }[];
    correlations: { assetA: string; assetB: string; correlation: number }[];
  };
  chains: { chains: ChainJson[] };
  signals: { signals: SignalJson[]; venues: string[] };
  status: { upstreams: Record<string, string> };
}
