import type { IncomingMessage } from "node:http";
import { BearerTokens, tokenHash } from "@breakwater/identity";
import { describe, expect, it } from "vitest";
import { dashboardAccess, TOKEN_COOKIE, tokenOf } from "./access.js";

const TOKEN = "researcher-token-0123456789";
const OPERATOR = "operator-token-0123456789ab";
const tokens = BearerTokens.parse(
  `tokens:\n  - { name: ana, role: researcher, sha256: ${tokenHash(TOKEN)} }\n` +
    `  - { name: ops, role: operator, sha256: ${tokenHash(OPERATOR)} }\n`,
  "test",
);
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const at = (path: string) => new URL(path, "http://localhost");

describe("the dashboard's access check", () => {
  it("default: the token comes from the header, else the link's parameter, else the page's cookie", () => {
    expect(tokenOf(request({ authorization: `Bearer ${TOKEN}` }), at("/?token=other"))).toBe(TOKEN);
    expect(tokenOf(request({}), at(`/?token=${TOKEN}`))).toBe(TOKEN);
    expect(tokenOf(request({ cookie: `a=1; ${TOKEN_COOKIE}=${TOKEN}; b=2` }), at("/v1/events"))).toBe(TOKEN);
    expect(tokenOf(request({ cookie: "a=1" }), at("/"))).toBeUndefined();
  });

  it("behavior: a known researcher or operator passes; no token or an unknown one is refused and counted", () => {
    const refusals: string[] = [];
    const check = dashboardAccess(tokens, (r) => refusals.push(r));
    expect(() => check(request({ cookie: `${TOKEN_COOKIE}=${TOKEN}` }), at("/v1/events"))).not.toThrow();
    expect(() => check(request({ authorization: `Bearer ${OPERATOR}` }), at("/"))).not.toThrow();
    expect(() => check(request({}), at("/"))).toThrow(/Authorization: Bearer/);
    expect(() => check(request({}), at(`/?token=${"x".repeat(20)}`))).toThrow(/not recognised/);
    expect(refusals).toEqual(["no_token", "unknown_token"]);
  });

  it("behavior: without tokens everything is open", () => {
    expect(() => dashboardAccess(undefined, () => undefined)(request({}), at("/"))).not.toThrow();
  });
});
