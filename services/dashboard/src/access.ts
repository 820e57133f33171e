import type { IncomingMessage } from "node:http";
import { PermissionDeniedError, UnauthenticatedError } from "@breakwater/core";
import { type BearerTokens, HTTP_ROLES, requireRole } from "@breakwater/identity";

/** The cookie the page's token is kept in after `/?token=…` (HttpOnly, SameSite=Strict). */
export const TOKEN_COOKIE = "bw_dashboard_token";

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * The token a request carries: the Authorization header (scripts), the
 * `token` query parameter (the link a researcher opens; the page then keeps it
 * in a cookie), or that cookie (the page, its assets and its EventSource, which
 * cannot set headers).
 */
export function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const header = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  return header ?? url.searchParams.get("token") ?? cookieOf(req, TOKEN_COOKIE);
}

/**
 * The dashboard's access check, before any route: with tokens, every path
 * but `/metrics`, `/healthz` and `/readyz` (answered before this runs) needs
 * a researcher, operator or admin token (401 without a known one, 403 for
 * another role); `onRefusal` is told each refusal's reason. Without tokens
 * the dashboard is open (a trusted network; a warning at start).
 */
export function dashboardAccess(
  tokens: BearerTokens | undefined,
  onRefusal: (reason: string) => void,
): (req: IncomingMessage, url: URL) => void {
  return (req, url) => {
    if (!tokens) return;
    try {
      const token = tokenOf(req, url);
      const principal = tokens.authenticate(token === undefined ? undefined : `Bearer ${token}`);
      requireRole(principal, HTTP_ROLES, "open the dashboard");
    } catch (err) {
      if (err instanceof UnauthenticatedError || err instanceof PermissionDeniedError) onRefusal(err.reason);
      throw err;
    }
  };
}
