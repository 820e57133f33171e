import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { issueProblems } from "@breakwater/config";
import { BreakwaterError, PermissionDeniedError, UnauthenticatedError } from "@breakwater/core";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { identityUri, type Principal, type Role } from "./principal.js";

/** Roles a person holds on the HTTP APIs (services and venues use certificates). */
export const HTTP_ROLES = ["researcher", "operator", "admin"] as const satisfies readonly Role[];

/** The tokens file cannot be used. */
export class TokensFileError extends BreakwaterError {
  constructor(path: string, problems: readonly string[]) {
    super("invalid_tokens_file", `tokens file ${path} is invalid:\n  ${problems.join("\n  ")}`, {
      path,
      problems,
    });
  }
}

const fileSchema = z.strictObject({
  tokens: z
    .array(
      z.strictObject({
        /** Who holds it: logged and audited with every request it makes. */
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, "must be 1-64 of A-Z a-z 0-9 _ . : -"),
        role: z.enum(HTTP_ROLES),
        /** SHA-256 of the token, hex: the token itself is never stored. */
        sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits (sha256 of the token)"),
      }),
    )
    .max(10_000),
});

/** The SHA-256 of a token, hex: what a tokens file stores. */
export function tokenHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * Bearer tokens for the HTTP APIs, from a YAML file (a Kubernetes Secret):
 * `tokens: [{ name, role, sha256 }]`. A request's `Authorization: Bearer <token>`
 * is hashed and looked up, so the file holds no usable secret. The holder's
 * principal is `spiffe://<trust domain>/<role>/<name>`, as with certificates.
 */
export class BearerTokens {
  private constructor(private readonly byHash: ReadonlyMap<string, Principal>) {}

  static parse(text: string, source: string, trustDomain?: string): BearerTokens {
    let raw: unknown;
    try {
      raw = parseYaml(text);
    } catch (err) {
      throw new TokensFileError(source, [`not YAML: ${(err as Error).message}`]);
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) {
      throw new TokensFileError(source, issueProblems(parsed.error));
    }
    const byHash = new Map<string, Principal>();
    for (const t of parsed.data.tokens) {
      if (byHash.has(t.sha256)) throw new TokensFileError(source, [`token of ${t.name} is listed twice`]);
      byHash.set(t.sha256, { role: t.role, name: t.name, uri: identityUri(t.role, t.name, trustDomain) });
    }
    return new BearerTokens(byHash);
  }

  static load(path: string, trustDomain?: string): BearerTokens {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      throw new TokensFileError(path, [`cannot read: ${(err as Error).message}`]);
    }
    return BearerTokens.parse(text, path, trustDomain);
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The principal an `Authorization` header names; UNAUTHENTICATED without a known bearer token. */
  authenticate(authorization: string | undefined): Principal {
    const match = /^Bearer ([\x21-\x7e]{16,512})$/.exec(authorization ?? "");
    if (!match?.[1]) {
      throw new UnauthenticatedError("no_token", "an Authorization: Bearer <token> header is required");
    }
    const principal = this.byHash.get(tokenHash(match[1]));
    if (!principal) throw new UnauthenticatedError("unknown_token", "the bearer token is not recognised");
    return principal;
  }
}

/** Refuses a principal whose role is not among `allowed` (PERMISSION_DENIED, reason `wrong_role`). */
export function requireRole(principal: Principal, allowed: readonly Role[], what: string): void {
  if (!allowed.includes(principal.role)) {
    throw new PermissionDeniedError(
      "wrong_role",
      `${principal.uri} (role ${principal.role}) may not ${what}; ${allowed.join(" or ")} may`,
    );
  }
}
