// Pure domain logic: no I/O anywhere in this package.
//
// Grouped by domain: calendar/ (time zones, sessions, trading days),
// exposure/ (the exposure book and what it keys positions by), risk/
// (ladders, cascade, volatility, reference prices, options), policy/ (the
// rules and their engine), signing/, time/ (how far ahead of
// its stored time a message's time is trusted). rule.ts lives in policy/: a
// PolicyRule is what the engine is and what the coordinator drives. signal.ts
// stays at the top: a signal outlives the rule that drafted it, and the
// signal log, the venue SDK and the venues read it. Numeric helpers (erf,
// normalCdf, median, clamp) are behind "@breakwater/core/math", fixtures
// behind "@breakwater/core/testing".

export type { BackoffOptions } from "./backoff.js";
export { Backoff, sleep } from "./backoff.js";
export type {
  CalendarSpec,
  SessionOccurrence,
  SessionSpec,
  TimeWindow,
  TradingDay,
} from "./calendar/calendar.js";
export { ALL_DAY_SESSION, allDayCalendar, inTimeWindow, TradingCalendar } from "./calendar/calendar.js";
export type { LocalDate, LocalDateTime, Weekday } from "./calendar/zoned-time.js";
export {
  addDays,
  epochDayOf,
  formatLocalDate,
  formatLocalTime,
  isTimeZone,
  localDateTimeOf,
  offsetMsAt,
  parseLocalDate,
  parseLocalTime,
  startOfLocalDay,
  utcOf,
  WEEKDAYS,
  weekdayOf,
} from "./calendar/zoned-time.js";
export { decimalToNumber, formatUnits, isDecimal, numberToDecimal, significantDecimal } from "./decimal.js";
export type { ErrorStatus } from "./errors.js";
export {
  AmountOutOfBoundsError,
  asError,
  BreakwaterError,
  InvalidRequestError,
  isRetryable,
  LimitExceededError,
  NotFoundError,
  PermissionDeniedError,
  statusOf,
  UnauthenticatedError,
  ValidationError,
} from "./errors.js";
export type {
  AckKeyBy,
  ExportRecord,
  PayloadFormat,
  SignalKeyBy,
  SnapshotKeyBy,
  StreamPosition,
} from "./export/records.js";
export { ackRecord, EXPORT_HEADERS, scopeKey, signalRecord, snapshotRecords } from "./export/records.js";
export type { EntityResolver } from "./exposure/entity.js";
export { entityResolver } from "./exposure/entity.js";
export type {
  Concentration,
  ExposureBookOptions,
  ExposureCell,
  ExposureFilter,
  LeverageBucket,
  PositionColumns,
  PositionState,
} from "./exposure/exposure.js";
export {
  cellsFromScratch,
  ExposureBook,
  notionalOf,
  positionKey,
  positionStateOf,
} from "./exposure/exposure.js";
export { Interner } from "./exposure/interner.js";
export { impliedLeverage, LEVERAGE_BUCKETS, leverageBucketOf } from "./exposure/leverage.js";
export type { HistoryKind, HistoryPosition, HistoryQuery, HistoryRequest } from "./history.js";
export {
  encodeHistoryCursor,
  HISTORY_KINDS,
  HISTORY_PAGE,
  historyQueryOf,
  inHistoryRange,
  parseRfc3339,
} from "./history.js";
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
export type { Band, BandRounding, BandScale, BandSpec, BandTier } from "./policy/bands.js";
export {
  bandOf,
  bandSpecProblems,
  insideBand,
  roundToTick,
  scaleFactorOf,
  tierIndex,
  tierWidth,
} from "./policy/bands.js";
export { CascadeRiskRule } from "./policy/cascade-risk.js";
export { CircuitBreakerRule } from "./policy/circuit-breaker.js";
export type { DefaultPolicyOptions } from "./policy/default-policy.js";
export {
  DAILY_LEVELS,
  DEFAULT_BREAKER_OPTIONS,
  DEFAULT_MARGIN_BOUNDS,
  defaultPolicy,
  RULE_80B_LEVELS,
} from "./policy/default-policy.js";
export { DynamicBreakerRule } from "./policy/dynamic-breaker.js";
export { LimitBandRule } from "./policy/limit-band.js";
export { ChainLivenessRule, DynamicMarginRule } from "./policy/margin-demands.js";
export { MarginGovernor } from "./policy/margin-governor.js";
export type { MarginFigures, MarginModelSpec } from "./policy/margin-model.js";
export {
  dailyLambdaOf,
  halfLifeOfDailyLambda,
  MarginModel,
  marginModelProblems,
} from "./policy/margin-model.js";
export { MarginModelRule } from "./policy/margin-model-rule.js";
export { MarketWideBreakerRule } from "./policy/market-wide-breaker.js";
export { OracleDivergenceRule } from "./policy/oracle-divergence.js";
export { PolicyEngine, policyWindowMs } from "./policy/policy-engine.js";
export { PriceBandRule } from "./policy/price-band.js";
export { RecentObservations, windowTimeMs } from "./policy/recent-observations.js";
export type { MissingDecision, Reconciliation, TimedObservation } from "./policy/reconcile.js";
export { owedUntilMs, reconcile } from "./policy/reconcile.js";
export type { ReferenceSpec, ReferenceTracker, ReferenceValue } from "./policy/references.js";
export { referenceTracker } from "./policy/references.js";
export type { AssetObservation, PolicyRule } from "./policy/rule.js";
export type { EngineRule } from "./policy/rule-support.js";
export { SessionLimitRule } from "./policy/session-limit.js";
export type {
  BreakerLevel,
  CascadeRiskParams,
  ChainConditionNote,
  ChainLivenessParams,
  CircuitBreakerParams,
  DynamicBreakerParams,
  DynamicMarginParams,
  LimitBandParams,
  MarginBoundsParams,
  MarginDemand,
  MarginModelParams,
  MarketWideBreakerParams,
  MarketWideLevel,
  OracleDivergenceParams,
  Override,
  PolicyDocument,
  PolicyObservation,
  PriceBandParams,
  PricePoint,
  RuleMode,
  RuleOutcome,
  RuleSpec,
  ScopeGroup,
  ScopeSpec,
  SessionLimitParams,
  ShadowRecord,
} from "./policy/types.js";
export type { LendingAccountIndex } from "./risk/account-paths.js";
export {
  accountOfSlots,
  accountSlack,
  lendingAccountIndex,
  resolveAccountsAt,
} from "./risk/account-paths.js";
export type { Greeks, OptionPosition, OptionTerms } from "./risk/black76.js";
export { black76, greeksByAsset, impliedVolatility } from "./risk/black76.js";
export type { CascadeInput, CascadeResult, CascadeRound, DepthModel } from "./risk/cascade.js";
export { DEFAULT_DEPTH, priceImpact, simulateCascade } from "./risk/cascade.js";
export type { VolatilityOptions } from "./risk/ewma.js";
export { EwmaCovariance, RISKMETRICS_HALF_LIFE_MS, VolatilityTracker } from "./risk/ewma.js";
export type {
  AccountReserve,
  EModeCategory,
  LegSide,
  LendingAccount,
  LendingAccountRisk,
  LendingLegRisk,
  LendingReserve,
} from "./risk/lending-account.js";
export {
  CLOSE_FACTOR_HF_THRESHOLD,
  DEFAULT_CLOSE_FACTOR,
  healthFactor,
  healthFactorAt,
  MAX_CLOSE_FACTOR,
  solveLendingAccount,
} from "./risk/lending-account.js";
export type { AssetLadder, LadderOptions, LadderRung } from "./risk/liquidation-ladder.js";
export { liquidatableAt, liquidationLadders } from "./risk/liquidation-ladder.js";
export type {
  AssetGreeks,
  GreeksTotals,
  OptionPositionState,
  OptionsBookOptions,
  VenueGreeks,
} from "./risk/options-book.js";
export { OptionsBook, YEAR_MS } from "./risk/options-book.js";
export type { IsolatedPerpPosition } from "./risk/perp-liquidation.js";
export { isolatedPerpLiquidationPrice, isolatedPerpMarginAt } from "./risk/perp-liquidation.js";
export type { PerpLeg, PerpMarginAccount, SpotLeg } from "./risk/perp-margin-account.js";
export {
  freeCollateral,
  maintenanceRequirement,
  perpLiquidationPrice,
  totalCollateral,
} from "./risk/perp-margin-account.js";
export type {
  PriceObservation,
  ReferencePrice,
  ReferencePriceOptions,
  SourceExclusion,
  SourcePrice,
} from "./risk/reference-price.js";
export { medianDecimal, ReferencePriceBook } from "./risk/reference-price.js";
export type { IssueOptions, SignalDraft, VenueScope } from "./signal.js";
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
export type { TimeAhead } from "./time/future-time.js";
export { firstTimeAhead, TimeAheadError } from "./time/future-time.js";
export type { AmountBounds, AmountBoundsOf, AmountBoundsOverride } from "./validate.js";
export {
  DEFAULT_AMOUNT_BOUNDS,
  MAX_IMPLIED_VOLATILITY,
  validateHeartbeat,
  validatePositionUpdate,
  validatePriceTick,
  validateRetraction,
} from "./validate.js";
