import type { IncomingMessage } from "node:http";
import { PermissionDeniedError, UnauthenticatedError } from "@breakwater/core";
import { type BearerTokens, requireRole } from "./bearer-tokens.js";
import type { Principal, Role } from "./principal.js";

/** Who may use the paths under `prefix`. */
export interface HttpAccessRule {
  readonly prefix: string;
  readonly roles: readonly Role[];
  /** What the roles may do, for the refusal message ("issue manual signals"). */
  readonly what: string;
  /**
   * Without a tokens file, paths of a rule that is not `open` are refused
   * (the operator API); `open` ones are served to anyone (read APIs in development).
   */
  readonly open?: boolean;
}

const callers = new WeakMap<IncomingMessage, Principal>();

/** The principal a request was authenticated as (undefined when served anonymously). */
export function callerOfRequest(req: IncomingMessage): Principal | undefined {
  return callers.get(req);
}

/**
 * The HTTP access check: the first rule whose prefix the path starts with
 * decides; paths no rule names (`/metrics`, `/healthz`, `/readyz`) are open.
 * With tokens, a request needs `Authorization: Bearer <token>` of an allowed
 * role (401 without a known token, 403 with the wrong role); `onRefusal` is
 * told each refusal's reason (for a metric).
 */
export function httpAccess(
  tokens: BearerTokens | undefined,
  rules: readonly HttpAccessRule[],
  onRefusal: (reason: string) => void = () => undefined,
): (req: IncomingMessage, url: URL) => void {
  return (req, url) => {
    const rule = rules.find((r) => url.pathname.startsWith(r.prefix));
    if (!rule) return;
    try {
      if (!tokens) {
        if (rule.open) return;
        throw new PermissionDeniedError(
          "no_tokens_configured",
          `refused: no HTTP tokens are configured (BW_HTTP_TOKENS_FILE), so nobody may ${rule.what}`,
        );
      }
      const principal = tokens.authenticate(req.headers.authorization);
      requireRole(principal, rule.roles, rule.what);
      callers.set(req, principal);
    } catch (err) {
      if (err instanceof UnauthenticatedError || err instanceof PermissionDeniedError) onRefusal(err.reason);
      throw err;
    }
  };
}
