import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { entityResolver } from "./entity.js";

const OWNER = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";
const EVM = "0x00000000000000000000000000000000000000aB";

describe("entity resolver", () => {
  it("default: a Solana owner key and an EVM address mapped to one entity are one trader", () => {
    const entityOf = entityResolver({ [`solana:${OWNER}`]: "fund-x", [EVM]: "fund-x" });
    expect(entityOf("solana", OWNER)).toBe("fund-x");
    expect(entityOf("arbitrum", EVM.toLowerCase())).toBe("fund-x");
    // base58 is case-sensitive: another case is another key
    expect(entityOf("solana", OWNER.toLowerCase())).toBe(`solana:${OWNER.toLowerCase()}`);
  });

  it("behavior: a sub-account is its owner's entity, unless the map names the sub-account", () => {
    const entityOf = entityResolver({ [`solana:${OWNER}`]: "fund-x", [`solana:${OWNER}/3`]: "desk-3" });
    expect(entityOf("solana", `${OWNER}/2`)).toBe("fund-x");
    expect(entityOf("solana", `${OWNER}/3`)).toBe("desk-3");
    expect(entityResolver()("solana", `${OWNER}/7`)).toBe(`solana:${OWNER}`);
  });

  it("property: every sub-account of an owner resolves like the owner", () => {
    const entityOf = entityResolver({ [`solana:${OWNER}`]: "fund-x" });
    fc.assert(
      fc.property(fc.nat({ max: 65535 }), fc.constantFrom(OWNER, "Other1111", EVM), (n, owner) => {
        expect(entityOf("solana", `${owner}/${n}`)).toBe(entityOf("solana", owner));
      }),
    );
  });
});
