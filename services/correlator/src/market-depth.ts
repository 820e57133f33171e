import { DEFAULT_DEPTH, type DepthModel } from "@breakwater/core";

/** An asset's depth model and where it comes from. */
export interface AssetDepth {
  readonly model: DepthModel;
  /**
   * "venues:<venue>,<venue>" (the sum of those venues' configured depth),
   * "asset" (the asset's own entry) or "default" (DEFAULT_DEPTH).
   */
  readonly source: string;
  /** The notional that moves the price by `moveBps` (inverting 1% × (q/d)^e, summed over venues). */
  notionalFor(moveBps: number): number;
}

/**
 * Market depth per asset: the sum over the venues that configure the asset
 * (each `notionalPer1Pct · (move/1%)^(1/exponent)`), else the asset's own
 * entry, else the default model. Where venues' exponents differ, the single
 * model the cascade uses takes their notional-weighted exponent and is
 * scaled to absorb exactly the venues' sum at `referenceMoveBps`.
 */
export class MarketDepth {
  private readonly cache = new Map<string, AssetDepth>();

  constructor(
    private readonly byAsset: Readonly<Record<string, DepthModel>>,
    private readonly byVenue: Readonly<Record<string, Readonly<Record<string, DepthModel>>>>,
    private readonly referenceMoveBps: number,
  ) {}

  of(asset: string): AssetDepth {
    let hit = this.cache.get(asset);
    if (!hit) {
      hit = this.resolve(asset);
      this.cache.set(asset, hit);
    }
    return hit;
  }

  private resolve(asset: string): AssetDepth {
    const venues = Object.keys(this.byVenue)
      .filter((v) => this.byVenue[v]![asset] !== undefined)
      .sort();
    if (venues.length === 0) {
      const own = this.byAsset[asset];
      return single(own ?? DEFAULT_DEPTH, own ? "asset" : "default");
    }
    const models = venues.map((v) => this.byVenue[v]![asset]!);
    const source = `venues:${venues.join(",")}`;
    if (venues.length === 1 || models.every((m) => m.exponent === models[0]!.exponent))
      return single(
        { notionalPer1Pct: models.reduce((s, m) => s + m.notionalPer1Pct, 0), exponent: models[0]!.exponent },
        source,
      );
    const notionalFor = (moveBps: number) =>
      models.reduce((s, m) => s + m.notionalPer1Pct * (moveBps / 100) ** (1 / m.exponent), 0);
    const total = models.reduce((s, m) => s + m.notionalPer1Pct, 0);
    const exponent = models.reduce((s, m) => s + m.exponent * m.notionalPer1Pct, 0) / total;
    const atRef = notionalFor(this.referenceMoveBps);
    const model = { notionalPer1Pct: atRef / (this.referenceMoveBps / 100) ** (1 / exponent), exponent };
    return { model, source, notionalFor };
  }
}

function single(model: DepthModel, source: string): AssetDepth {
  return {
    model,
    source,
    notionalFor: (moveBps) => model.notionalPer1Pct * (moveBps / 100) ** (1 / model.exponent),
  };
}
