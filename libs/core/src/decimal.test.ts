import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decimalToNumber,
  formatUnits,
  isDecimal,
  numberToDecimal,
  parseDecimal,
  significantDecimal,
} from "./decimal.js";

describe("decimals", () => {
  it("default: plain decimals parse; exponents, NaN, blanks and junk do not", () => {
    expect(decimalToNumber("1834.25")).toBe(1834.25);
    expect(decimalToNumber("-0.5")).toBe(-0.5);
    for (const bad of ["", "NaN", "Infinity", "1e5", " 1", "01", "1.", ".5", "0x10", "1,5"]) {
      expect(isDecimal(bad), bad).toBe(false);
      expect(() => decimalToNumber(bad)).toThrow(/not a decimal/);
    }
  });

  it("behavior: formatUnits scales 256-bit integers exactly", () => {
    expect(formatUnits(123450000n, 8)).toBe("1.2345");
    expect(formatUnits(0n, 18)).toBe("0");
    expect(formatUnits(-5n, 2)).toBe("-0.05");
    expect(formatUnits(2n ** 255n, 18)).toBe(
      "57896044618658097711785492504343953926634992332820282019728.792003956564819968",
    );
  });

  it("behavior: numberToDecimal refuses non-finite values", () => {
    expect(numberToDecimal(3000.123456789)).toBe("3000.12345679");
    expect(numberToDecimal(-0)).toBe("0");
    expect(() => numberToDecimal(Number.NaN)).toThrow();
  });

  it("behavior: significantDecimal keeps 12 significant digits at any magnitude, never an exponent", () => {
    expect(significantDecimal(12_200 / 8.25)).toBe("1478.78787879");
    expect(significantDecimal(3899.9999999999995)).toBe("3900");
    expect(significantDecimal(0.000012345678901234)).toBe("0.0000123456789012");
    expect(significantDecimal(1.6275)).toBe("1.6275");
    expect(significantDecimal(0)).toBe("0");
    expect(() => significantDecimal(Number.POSITIVE_INFINITY)).toThrow();
    fc.assert(
      fc.property(fc.double({ min: 1e-30, max: 1e15, noNaN: true }), (x) => {
        const text = significantDecimal(x);
        expect(isDecimal(text)).toBe(true);
        expect(Math.abs(parseDecimal(text) / x - 1)).toBeLessThan(1e-11);
      }),
    );
  });

  it("property: formatUnits output is a decimal that round-trips to the integer", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }),
        fc.integer({ min: 0, max: 30 }),
        (amount, decimals) => {
          const text = formatUnits(amount, decimals);
          expect(isDecimal(text)).toBe(true);
          const [whole, frac = ""] = text.replace("-", "").split(".");
          const back = BigInt(whole! + frac.padEnd(decimals, "0")) * (text.startsWith("-") ? -1n : 1n);
          expect(back).toBe(amount);
        },
      ),
    );
  });

  it("property: parseDecimal accepts exactly the isDecimal grammar and equals Number(text) bit for bit", () => {
    const digits = (min: number, max: number) =>
      fc.array(fc.constantFrom(..."0123456789"), { minLength: min, maxLength: max }).map((d) => d.join(""));
    const decimal = fc
      .tuple(
        fc.boolean(),
        fc.oneof(
          fc.constant("0"),
          fc.tuple(fc.constantFrom(..."123456789"), digits(0, 24)).map(([h, t]) => h + t),
        ),
        fc.option(digits(1, 30)),
      )
      .map(([neg, whole, frac]) => `${neg ? "-" : ""}${whole}${frac === null ? "" : `.${frac}`}`);
    const junk = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom("1e5", "01", "-", "-.5", "1.", ".", "+1", " 1", "1 ", "0x1f", "١"),
    );
    fc.assert(
      fc.property(fc.oneof(decimal, junk), (text) => {
        const parsed = parseDecimal(text);
        if (isDecimal(text)) expect(Object.is(parsed, Number(text)), text).toBe(true);
        else expect(parsed, text).toBeNaN();
      }),
      { numRuns: 5_000 },
    );
  });

  it("behavior: parseDecimal is exact at the edges of its fast path", () => {
    for (const text of [
      "9007199254740993",
      "9007199254740992.5",
      "0.1",
      "0.30000000000000004",
      "123456789012345.678",
      "0.0000000000000000000001",
      "0.00000000000000000000001",
      "-0",
    ])
      expect(Object.is(parseDecimal(text), Number(text)), text).toBe(true);
  });
});

describe("decimalToNumber bounds", () => {
  it("behavior: a plain decimal too large for a float64 is rejected, not turned into Infinity", () => {
    expect(() => decimalToNumber(`1${"0".repeat(400)}`, "size")).toThrow(
      /size: a 401-character decimal is not a finite number/,
    );
    expect(decimalToNumber(`1${"0".repeat(300)}`)).toBe(1e300);
  });
});
