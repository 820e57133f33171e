// Pure domain logic: no I/O anywhere in this package.

export { decimalToNumber, formatUnits, isDecimal, numberToDecimal } from "./decimal.js";
export type { DrawdownBreakerConfig } from "./drawdown-breaker.js";
export { DrawdownBreaker, LEVEL_1_BREAKER } from "./drawdown-breaker.js";
export { asError, BreakwaterError, ValidationError } from "./errors.js";
export type { ExposureCell, ExposureFilter, PositionState } from "./exposure.js";
export { ExposureBook, notionalOf, positionKey, positionStateOf } from "./exposure.js";
export { chainEventId } from "./ids.js";
export type { PricePoint } from "./price-window.js";
export { PriceWindow } from "./price-window.js";
export type { PriceObservation, ReferencePrice } from "./reference-price.js";
export { medianDecimal, ReferencePriceBook } from "./reference-price.js";
export type { AssetObservation, PolicyRule } from "./rule.js";
export type { IssueOptions, SignalDraft } from "./signal.js";
export { concernsVenue, issueSignal, signalKindName } from "./signal.js";
export {
  isChainId,
  validateHeartbeat,
  validatePositionUpdate,
  validatePriceTick,
  validateRetraction,
} from "./validate.js";
export { isVenueId } from "./venue.js";
