const grouped = new Map<number, Intl.NumberFormat>();

/** A number with thousands separators and `digits` decimals (en-US), e.g. 1,234,567.89. */
export function formatNumber(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return String(n);
  let f = grouped.get(digits);
  if (!f) {
    f = new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
    grouped.set(digits, f);
  }
  return f.format(n);
}

/** A whole count with thousands separators. */
export function formatCount(n: number): string {
  return formatNumber(n, 0);
}

/** A relative move as a signed percentage: -0.2 → "-20.00%". */
export function formatMove(fraction: number): string {
  const pct = formatNumber(fraction * 100, 2);
  return fraction > 0 ? `+${pct}%` : `${pct}%`;
}

/** Basis points as a signed percentage: -250 → "-2.50%". */
export function formatBps(bps: number): string {
  return formatMove(bps / 10_000);
}

/** Milliseconds since the epoch as ISO-8601 UTC; 0 is "-". */
export function formatTime(ms: number): string {
  return ms > 0 ? new Date(ms).toISOString() : "-";
}

/** A duration: 850 ms, 12.3 s, 4m05s, 2h10m. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const a = Math.abs(ms);
  if (a < 1_000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${(a / 1_000).toFixed(1)} s`;
  const s = Math.round(a / 1_000);
  if (s < 3_600) return `${sign}${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  const m = Math.round(s / 60);
  return `${sign}${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** A list, or "none". */
export function formatList(items: readonly string[]): string {
  return items.length > 0 ? items.join(", ") : "none";
}
