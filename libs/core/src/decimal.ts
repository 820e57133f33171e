import { ValidationError } from "./errors.js";

const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** True when `text` is a plain decimal number such as "12", "-0.5" or "1834.250". */
export function isDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

/** 10^0 … 10^22: every one exact in float64. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_EXACT = 2 ** 53;

/**
 * The float64 nearest to a plain decimal (the same number `Number(text)`
 * gives), or NaN when `text` is not one (the `isDecimal` grammar). One pass
 * over the characters: with at most 2⁵³ as digits and at most 22 fractional
 * digits, digits ÷ 10^k is a single correctly rounded division of two exact
 * floats, hence equal to `Number(text)`; longer inputs fall back to it.
 */
export function parseDecimal(text: string): number {
  const len = text.length;
  let i = 0;
  const negative = len > 0 && text.charCodeAt(0) === 45; // "-"
  if (negative) i = 1;
  const intStart = i;
  let m = 0;
  for (; i < len; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    m = m * 10 + d;
  }
  const intDigits = i - intStart;
  if (intDigits === 0 || (intDigits > 1 && text.charCodeAt(intStart) === 48)) return Number.NaN;
  let fracDigits = 0;
  if (i < len) {
    if (text.charCodeAt(i) !== 46) return Number.NaN; // "."
    const fracStart = ++i;
    for (; i < len; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return Number.NaN;
      m = m * 10 + d;
    }
    fracDigits = i - fracStart;
    if (fracDigits === 0) return Number.NaN;
  }
  if (m > MAX_EXACT || fracDigits > 22) return Number(text);
  const v = fracDigits === 0 ? m : m / POW10[fracDigits]!;
  return negative ? -v : v;
}

/**
 * Parses an exact decimal string into a float64 for risk math.
 * Rejects anything that is not a plain decimal (no exponents, NaN, Infinity,
 * spaces), and a plain decimal too large for a float64 (1 followed by 400
 * zeros parses to Infinity, which no risk figure survives).
 */
export function decimalToNumber(text: string, field = "value"): number {
  const n = parseDecimal(text);
  if (Number.isNaN(n)) {
    throw new ValidationError("decimal", [`${field}: "${text.slice(0, 40)}" is not a decimal number`]);
  }
  if (!Number.isFinite(n)) {
    throw new ValidationError("decimal", [
      `${field}: a ${text.length}-character decimal is not a finite number`,
    ]);
  }
  return n;
}

/**
 * Scales an integer amount with `decimals` places into an exact decimal string,
 * e.g. (123450000n, 8) → "1.2345". Never goes through a float.
 */
export function formatUnits(amount: bigint, decimals: number): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** Formats a float64 price as a decimal string with at most `places` fractional digits. */
export function numberToDecimal(value: number, places = 8): string {
  if (!Number.isFinite(value)) throw new ValidationError("decimal", [`${value} is not finite`]);
  const fixed = value.toFixed(places);
  const trimmed = fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
  return trimmed === "-0" ? "0" : trimmed;
}

/**
 * Formats a float64 as a plain decimal string (never an exponent) with
 * `digits` significant digits: prices and amounts computed in float64 (a
 * liquidation price) keep their precision whatever their magnitude.
 */
export function significantDecimal(value: number, digits = 12): string {
  if (!Number.isFinite(value)) throw new ValidationError("decimal", [`${value} is not finite`]);
  if (value === 0) return "0";
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  return numberToDecimal(value, Math.min(100, Math.max(0, digits - 1 - magnitude)));
}
