import { ValidationError } from "./errors.js";

const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** True when `text` is a plain decimal number such as "12", "-0.5" or "1834.250". */
export function isDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

/**
 * Parses an exact decimal string into a float64 for risk math.
 * Rejects anything that is not a plain decimal (no exponents, NaN, Infinity, spaces).
 */
export function decimalToNumber(text: string, field = "value"): number {
  if (!isDecimal(text)) {
    throw new ValidationError("decimal", [`${field}: "${text.slice(0, 40)}" is not a decimal number`]);
  }
  return Number(text);
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
