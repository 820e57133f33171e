import type { Signal } from "@breakwater/proto";
import { dailyLambdaOf, MarginModel } from "./margin-model.js";
import { evidence, NOTHING, pct, SpecRule } from "./rule-support.js";
import type { MarginDemand, MarginModelParams, PolicyObservation, RuleOutcome } from "./types.js";

/**
 * A margin model per asset (see MarginModel: EWMA by half-life, stressed
 * weighting, a lookback floor, an anti-procyclical buffer): asks for the
 * multiplier that raises the venue's own initial margin (`baselineMargin`)
 * to the model's; the margin governor decides what is published. The model
 * learns from every priced observation, on the prices' time. Its memory is
 * not rebuilt from the log: after a restart it starts from the prices it sees.
 */
export class MarginModelRule extends SpecRule<"margin-model", MarginModelParams> {
  private readonly models = new Map<string, MarginModel>();

  evaluate(obs: PolicyObservation, _nowMs: number): RuleOutcome {
    const p = this.paramsOf(obs);
    if (!p || obs.price === undefined || obs.unpriceable) return NOTHING;
    let model = this.models.get(obs.asset);
    if (!model) {
      model = new MarginModel(p);
      this.models.set(obs.asset, model);
    }
    const f = model.observe(obs.priceTimeMs, obs.price);
    if (!f) return NOTHING;
    const demand: MarginDemand = {
      asset: obs.asset,
      ruleId: this.spec.id,
      multiplier: Math.max(1, f.margin / p.baselineMargin),
      evidence: [
        evidence(
          "initial_margin",
          f.margin,
          p.baselineMargin,
          `model ${pct(f.base)} + buffer ${pct(f.buffer)}`,
        ),
        evidence(
          "ewma_volatility",
          f.ewmaVolatility,
          0,
          `daily lambda ${dailyLambdaOf(p.halfLifeMs).toFixed(4)}`,
        ),
        evidence("stressed_volatility", f.stressedVolatility, 0, `weight ${p.stressedWeight}`),
        evidence("lookback_volatility", f.lookbackVolatility, 0, p.lookbackFloor ? "floor" : "not a floor"),
        evidence("buffer", f.buffer, p.buffer),
      ],
    };
    return { drafts: [], demands: [demand] };
  }

  restore(_signal: Signal): void {}
}
