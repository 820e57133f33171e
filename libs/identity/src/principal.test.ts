import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { identityUri, principalOfSan, principalOfUri, ROLES, sanUris } from "./principal.js";

describe("identities", () => {
  it("behavior: a venue URI names the venue; other trust domains, roles and shapes name nobody", () => {
    expect(principalOfUri("spiffe://breakwater/venue/dex-a")).toEqual({
      role: "venue",
      name: "dex-a",
      uri: "spiffe://breakwater/venue/dex-a",
    });
    expect(principalOfUri("spiffe://other/venue/dex-a")).toBeUndefined();
    expect(principalOfUri("spiffe://breakwater/king/dex-a")).toBeUndefined();
    expect(principalOfUri("spiffe://breakwater/venue/dex-a/eu")?.name).toBe("dex-a/eu");
    expect(principalOfUri("spiffe://breakwater/venue/dex-a//eu")).toBeUndefined();
    expect(principalOfUri("spiffe://breakwater/venue/dex-a/")).toBeUndefined();
    expect(principalOfUri("spiffe://breakwater/venue/")).toBeUndefined();
    expect(principalOfUri("spiffe://breakwater/venue/a b")).toBeUndefined();
    expect(principalOfUri("https://breakwater/venue/dex-a")).toBeUndefined();
  });

  it("behavior: URIs are read from Node's subjectaltname text, quoted ones too", () => {
    expect(sanUris("DNS:localhost, URI:spiffe://breakwater/venue/a, IP Address:127.0.0.1")).toEqual([
      "spiffe://breakwater/venue/a",
    ]);
    expect(sanUris('URI:"spiffe://x/y,z", URI:spiffe://breakwater/admin/root')).toEqual([
      "spiffe://x/y,z",
      "spiffe://breakwater/admin/root",
    ]);
    expect(sanUris(undefined)).toEqual([]);
  });

  it("behavior: a certificate with two Breakwater identities is ambiguous and names nobody", () => {
    expect(
      principalOfSan("URI:spiffe://breakwater/venue/a, URI:spiffe://breakwater/venue/b"),
    ).toBeUndefined();
    expect(principalOfSan("URI:spiffe://breakwater/venue/a, URI:spiffe://other/venue/b")?.name).toBe("a");
  });

  it("property: every role and valid name round-trips through its URI and a SAN text", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ROLES),
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}$/),
        (role, name) => {
          const uri = identityUri(role, name);
          expect(principalOfSan(`DNS:localhost, URI:${uri}`)).toEqual({ role, name, uri });
        },
      ),
    );
  });
});
