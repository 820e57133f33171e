/**
 * The name a researcher used over HTTP for a proto field a query named:
 * camelCase (`step_bps` → `stepBps`, `shocks[0].notional_per_1pct` →
 * `shocks[0].notionalPer1pct`), `chain_id` → `chain` and `venue_id` → `venue`.
 */
export function httpFieldOf(field: string): string {
  if (field === "chain_id") return "chain";
  if (field === "venue_id") return "venue";
  return field.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
