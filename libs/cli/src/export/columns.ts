// What `breakwater export` writes: one row per snapshot row (asset, venue,
// chain at one instant) and one row per signal, with typed columns every
// format shares. Notionals and collateral are float64 in the API, so they are
// numbers (DOUBLE); a reference price is an exact decimal string on the wire,
// so it stays a string (parse it where precision matters).
import { ExposureSnapshot, Signal, signalKindToJSON } from "@breakwater/proto";

export type ColumnType = "string" | "double" | "int64" | "boolean" | "timestamp";

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

/** A cell: a timestamp is Unix ms; null is an absent value. */
export type Cell = string | number | boolean | null;

const col = (name: string, type: ColumnType): Column => ({ name, type });

export const SNAPSHOT_COLUMNS: readonly Column[] = [
  col("taken_at", "timestamp"),
  col("taken_at_ms", "int64"),
  col("asset", "string"),
  col("venue_id", "string"),
  col("chain_id", "string"),
  col("long_notional", "double"),
  col("short_notional", "double"),
  col("net_notional", "double"),
  col("gross_notional", "double"),
  col("collateral_value", "double"),
  col("positions", "int64"),
  col("stale", "boolean"),
  col("reference_price", "string"),
];

export const SIGNAL_COLUMNS: readonly Column[] = [
  col("sequence", "int64"),
  col("signal_id", "string"),
  col("kind", "string"),
  col("issued_at", "timestamp"),
  col("issued_at_ms", "int64"),
  col("effective_at", "timestamp"),
  col("expires_at", "timestamp"),
  col("assets", "string"),
  col("markets", "string"),
  col("venues", "string"),
  col("chains", "string"),
  col("internal", "boolean"),
  col("rule_id", "string"),
  col("reason", "string"),
  col("leader_term", "int64"),
  col("key_id", "string"),
  col("action", "string"),
  col("evidence", "string"),
];

/** The rows of one snapshot from GET /v1/history (its JSON); a snapshot without rows has none. */
export function snapshotRows(json: unknown): Cell[][] {
  const s = ExposureSnapshot.fromJSON(json);
  return s.rows.map((r) => [
    s.takenAtMs,
    s.takenAtMs,
    r.asset,
    r.venueId,
    r.chainId,
    r.longNotional,
    r.shortNotional,
    r.netNotional,
    r.grossNotional,
    r.collateralValue,
    r.positions,
    r.stale,
    s.referencePrices[r.asset] ?? null,
  ]);
}

/** One signal from GET /v1/history (its JSON) as a row; scope lists are comma-joined (empty = all). */
export function signalRow(json: unknown): Cell[] {
  const s = Signal.fromJSON(json);
  const scope = s.scope ?? { assets: [], markets: [], venues: [], chains: [] };
  const wire = Signal.toJSON(s) as Record<string, unknown>;
  const action = s.action ? JSON.stringify(wire[s.action.$case] ?? {}) : null;
  return [
    s.sequence,
    s.signalId,
    signalKindToJSON(s.kind)
      .replace(/^SIGNAL_KIND_/, "")
      .toLowerCase(),
    s.issuedAtMs,
    s.issuedAtMs,
    s.effectiveAtMs,
    s.expiresAtMs === 0 ? null : s.expiresAtMs,
    scope.assets.join(","),
    scope.markets.join(","),
    scope.venues.join(","),
    scope.chains.join(","),
    scope.internal ?? false,
    s.ruleId,
    s.reason,
    s.leaderTerm,
    s.keyId,
    action,
    JSON.stringify(wire["evidence"] ?? []),
  ];
}
