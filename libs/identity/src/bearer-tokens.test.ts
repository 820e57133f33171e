import { describe, expect, it } from "vitest";
import { BearerTokens, requireRole, tokenHash } from "./bearer-tokens.js";

const TOKEN = "researcher-token-0123456789";
const file = (entries: string) => `tokens:\n${entries}`;

describe("bearer tokens", () => {
  const tokens = BearerTokens.parse(
    file(`  - { name: ana, role: researcher, sha256: ${tokenHash(TOKEN)} }\n`),
    "tokens.yaml",
  );

  it("behavior: a known token names its holder and role; the file holds only its hash", () => {
    expect(tokens.authenticate(`Bearer ${TOKEN}`)).toEqual({
      role: "researcher",
      name: "ana",
      uri: "spiffe://breakwater/researcher/ana",
    });
  });

  it("behavior: no header, another scheme, a short or an unknown token is UNAUTHENTICATED by reason", () => {
    for (const [header, reason] of [
      [undefined, "no_token"],
      [`Basic ${TOKEN}`, "no_token"],
      ["Bearer short", "no_token"],
      [`Bearer ${TOKEN}x`, "unknown_token"],
    ] as const) {
      try {
        tokens.authenticate(header);
        expect.unreachable();
      } catch (err) {
        expect(err).toMatchObject({ status: "unauthenticated", reason });
      }
    }
  });

  it("behavior: a role that is not allowed is PERMISSION_DENIED", () => {
    const ana = tokens.authenticate(`Bearer ${TOKEN}`);
    expect(() => requireRole(ana, ["operator", "admin"], "issue signals")).toThrow(/may not issue signals/);
    expect(() => requireRole(ana, ["researcher"], "read")).not.toThrow();
  });

  it("behavior: a bad file is refused naming each problem", () => {
    expect(() => BearerTokens.parse(file("  - { name: x, role: king, sha256: abc }\n"), "t.yaml")).toThrow(
      /tokens\.0\.role[\s\S]*tokens\.0\.sha256/,
    );
  });
});
