export { BearerTokens, HTTP_ROLES, requireRole, TokensFileError, tokenHash } from "./bearer-tokens.js";
export type { CallWithAuth } from "./caller.js";
export { principalOfCall } from "./caller.js";
export type { HttpAccessRule } from "./http-access.js";
export { callerOfRequest, httpAccess } from "./http-access.js";
export { ConcurrencyLimits, RateLimits } from "./limits.js";
export type { Principal, Role } from "./principal.js";
export {
  DEFAULT_TRUST_DOMAIN,
  identityUri,
  principalOfSan,
  principalOfUri,
  ROLES,
  sanUris,
} from "./principal.js";
export type { TlsFiles } from "./tls-files.js";
export {
  channelCredentialsOf,
  checkTlsFiles,
  DEFAULT_TLS_REFRESH_MS,
  serverCredentialsOf,
  TlsConfigError,
} from "./tls-files.js";
