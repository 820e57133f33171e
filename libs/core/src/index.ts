// Pure domain logic: no I/O anywhere in this package.

export type { BackoffOptions } from "./backoff.js";
export { Backoff, sleep } from "./backoff.js";
export type { Greeks, OptionPosition, OptionTerms } from "./black76.js";
export { black76, erf, erfc, greeksByAsset, impliedVolatility, normalCdf } from "./black76.js";
export type { CascadeInput, CascadeResult, CascadeRound, DepthModel } from "./cascade.js";
export { DEFAULT_DEPTH, priceImpact, simulateCascade } from "./cascade.js";
export { decimalToNumber, formatUnits, isDecimal, numberToDecimal } from "./decimal.js";
export type { EntityResolver } from "./entity.js";
export { entityResolver } from "./entity.js";
export type { ErrorStatus } from "./errors.js";
export {
  AmountOutOfBoundsError,
  asError,
  BreakwaterError,
  InvalidRequestError,
  isRetryable,
  NotFoundError,
  statusOf,
  ValidationError,
} from "./errors.js";
export type { VolatilityOptions } from "./ewma.js";
export { EwmaCovariance, VolatilityTracker } from "./ewma.js";
export type {
  Concentration,
  ExposureBookOptions,
  ExposureCell,
  ExposureFilter,
  LeverageBucket,
  PositionColumns,
  PositionState,
} from "./exposure.js";
export { cellsFromScratch, ExposureBook, notionalOf, positionKey, positionStateOf } from "./exposure.js";
export {
  CHAIN_ID_PATTERN,
  chainEventId,
  ENTITY_PATTERN,
  ID_PATTERN,
  isAssetId,
  isChainId,
  isEntityId,
  isId,
  isVenueId,
} from "./ids.js";
export { Interner } from "./interner.js";
export { impliedLeverage, LEVERAGE_BUCKETS, leverageBucketOf } from "./leverage.js";
export type { AssetLadder, LadderOptions, LadderRung } from "./liquidation-ladder.js";
export { liquidatableAt, liquidationLadders } from "./liquidation-ladder.js";
export type {
  AssetGreeks,
  GreeksTotals,
  OptionPositionState,
  OptionsBookOptions,
  VenueGreeks,
} from "./options-book.js";
export { OptionsBook, YEAR_MS } from "./options-book.js";
export { CircuitBreakerRule } from "./policy/circuit-breaker.js";
export type { DefaultPolicyOptions } from "./policy/default-policy.js";
export {
  DEFAULT_BREAKER_OPTIONS,
  DEFAULT_MARGIN_BOUNDS,
  defaultPolicy,
  RULE_80B_LEVELS,
} from "./policy/default-policy.js";
export { CascadeRiskRule, ChainLivenessRule, DynamicMarginRule } from "./policy/margin-demands.js";
export { MarginGovernor } from "./policy/margin-governor.js";
export { OracleDivergenceRule } from "./policy/oracle-divergence.js";
export { PolicyEngine, policyWindowMs } from "./policy/policy-engine.js";
export { PriceBandRule } from "./policy/price-band.js";
export { RecentObservations, windowTimeMs } from "./policy/recent-observations.js";
export type { MissingDecision, Reconciliation, TimedObservation } from "./policy/reconcile.js";
export { owedUntilMs, reconcile } from "./policy/reconcile.js";
export type { EngineRule } from "./policy/rule-support.js";
export type {
  BreakerLevel,
  CascadeRiskParams,
  ChainLivenessParams,
  CircuitBreakerParams,
  DynamicMarginParams,
  MarginBoundsParams,
  MarginDemand,
  OracleDivergenceParams,
  Override,
  PolicyDocument,
  PolicyObservation,
  PriceBandParams,
  PricePoint,
  RuleMode,
  RuleOutcome,
  RuleSpec,
  ShadowRecord,
} from "./policy/types.js";
export type {
  PriceObservation,
  ReferencePrice,
  ReferencePriceOptions,
  SourcePrice,
} from "./reference-price.js";
export { medianDecimal, ReferencePriceBook } from "./reference-price.js";
export type { AssetObservation, PolicyRule } from "./rule.js";
export type { IssueOptions, SignalDraft } from "./signal.js";
export { ackStateName, concernsVenue, issueSignal, signalKindName } from "./signal.js";
export {
  canonicalSignalBytes,
  keyIdOf,
  parsePrivateKey,
  parsePublicKey,
  rawPublicKey,
  SIGNAL_SIGNATURE_DOMAIN,
  SigningKeyError,
  signSignal,
  verifySignalSignature,
} from "./signing/signal-signature.js";
export type { TrustedKey, VerifyFailure, VerifyResult } from "./signing/signal-verifier.js";
export { SignalVerifier } from "./signing/signal-verifier.js";
export type { AmountBounds, AmountBoundsOf, AmountBoundsOverride } from "./validate.js";
export {
  DEFAULT_AMOUNT_BOUNDS,
  MAX_IMPLIED_VOLATILITY,
  validateHeartbeat,
  validatePositionUpdate,
  validatePriceTick,
  validateRetraction,
} from "./validate.js";
