import { ExposureSnapshot } from "@breakwater/proto";

const ROW_DEFAULTS = {
  asset: "",
  venueId: "",
  chainId: "",
  longNotional: 0,
  shortNotional: 0,
  netNotional: 0,
  grossNotional: 0,
  collateralValue: 0,
  positions: 0,
  stale: false,
};
const CHAIN_DEFAULTS = { chainId: "", lastHeartbeatMs: 0, ageMs: 0, stale: false };

type Row = typeof ROW_DEFAULTS;
type Chain = typeof CHAIN_DEFAULTS;

/** The researcher API's JSON for a snapshot: the proto's JSON mapping with every field present. */
export interface ExposureSnapshotJson {
  readonly takenAtMs: number;
  readonly rows: Row[];
  readonly referencePrices: Record<string, string>;
  readonly chains: Chain[];
  readonly staleChains: string[];
  readonly unpriceableAssets: string[];
}

/**
 * `ExposureSnapshot.toJSON` (so HTTP, gRPC and the snapshot stream share one
 * shape and one set of names), with the fields the proto3 JSON mapping leaves
 * out at their default values written explicitly: a researcher reads
 * `"stale": false` and `"rows": []` rather than an absent key.
 */
export function exposureSnapshotJson(snapshot: ExposureSnapshot): ExposureSnapshotJson {
  const json = ExposureSnapshot.toJSON(snapshot) as Partial<{
    takenAtMs: number;
    rows: Partial<Row>[];
    referencePrices: Record<string, string>;
    chains: Partial<Chain>[];
    staleChains: string[];
    unpriceableAssets: string[];
  }>;
  return {
    takenAtMs: json.takenAtMs ?? 0,
    rows: (json.rows ?? []).map((r) => ({ ...ROW_DEFAULTS, ...r })),
    referencePrices: json.referencePrices ?? {},
    // a snapshot's chains carry freshness only (status and head are GetChainFreshness's)
    chains: (json.chains ?? []).map(({ chainId, lastHeartbeatMs, ageMs, stale }) => ({
      ...CHAIN_DEFAULTS,
      ...(chainId === undefined ? {} : { chainId }),
      ...(lastHeartbeatMs === undefined ? {} : { lastHeartbeatMs }),
      ...(ageMs === undefined ? {} : { ageMs }),
      ...(stale === undefined ? {} : { stale }),
    })),
    staleChains: json.staleChains ?? [],
    unpriceableAssets: json.unpriceableAssets ?? [],
  };
}
