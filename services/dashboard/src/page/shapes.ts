// Pure shaping of the APIs' JSON into what the charts draw (no DOM, tested in Node).

export interface ExposureRowJson {
  readonly asset: string;
  readonly venueId: string;
  readonly chainId: string;
  readonly grossNotional: number;
  readonly netNotional: number;
  readonly positions: number;
}

/** A heatmap over two categorical axes: `cells` are [x index, y index, value]. */
export interface Matrix {
  readonly x: readonly string[];
  readonly y: readonly string[];
  readonly cells: readonly [number, number, number][];
}

/** Gross notional per venue (x) and asset (y), over every chain or one; empty cells left out. */
export function exposureMatrix(rows: readonly ExposureRowJson[], chain: string): Matrix {
  const picked = rows.filter((r) => (chain === "" || r.chainId === chain) && r.grossNotional > 0);
  const x = [...new Set(picked.map((r) => r.venueId))].sort();
  const y = [...new Set(picked.map((r) => r.asset))].sort();
  const sums = new Map<string, number>();
  for (const r of picked) {
    const k = `${x.indexOf(r.venueId)}:${y.indexOf(r.asset)}`;
    sums.set(k, (sums.get(k) ?? 0) + r.grossNotional);
  }
  const cells = [...sums].map(([k, v]) => {
    const [i, j] = k.split(":").map(Number) as [number, number];
    return [i, j, v] as [number, number, number];
  });
  return { x, y, cells };
}

/** The chains the exposure rows name, sorted. */
export function chainsOf(rows: readonly ExposureRowJson[]): string[] {
  return [...new Set(rows.map((r) => r.chainId))].sort();
}

/** The symmetric matrix of pairwise correlations, 1 on the diagonal; unknown pairs left out. */
export function correlationMatrix(
  assets: readonly string[],
  pairs: readonly { assetA: string; assetB: string; correlation: number }[],
): Matrix {
  const names = [...assets].sort();
  const cells: [number, number, number][] = names.map((_, i) => [i, i, 1]);
  for (const p of pairs) {
    const a = names.indexOf(p.assetA);
    const b = names.indexOf(p.assetB);
    if (a < 0 || b < 0 || a === b) continue;
    cells.push([a, b, p.correlation], [b, a, p.correlation]);
  }
  return { x: names, y: names, cells };
}

/** 1234567 → "1.23M"; 0.5 → "0.5". */
export function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
