import type { PeerCertificate } from "node:tls";
import { UnauthenticatedError } from "@breakwater/core";
import { DEFAULT_TRUST_DOMAIN, type Principal, principalOfSan } from "./principal.js";

/** What a server call exposes of its transport (every grpc-js server call has it). */
export interface CallWithAuth {
  getAuthContext(): { sslPeerCertificate?: PeerCertificate };
}

/**
 * The principal behind a call: the one Breakwater identity URI of its verified
 * client certificate. grpc-js gives a certificate only when the TLS handshake
 * verified it against the CA (an absent, foreign, expired or not-yet-valid
 * certificate gives none).
 */
export function principalOfCall(call: CallWithAuth, trustDomain = DEFAULT_TRUST_DOMAIN): Principal {
  const auth = call.getAuthContext();
  const cert = auth.sslPeerCertificate;
  if (!cert) {
    throw new UnauthenticatedError(
      "no_verified_certificate",
      "a client certificate issued by the Breakwater CA is required (none was presented, or it is expired or from another CA)",
    );
  }
  const principal = principalOfSan(cert.subjectaltname, trustDomain);
  if (!principal) {
    throw new UnauthenticatedError(
      "no_identity",
      `the client certificate carries no single spiffe://${trustDomain}/<role>/<name> URI`,
      { serial: cert.serialNumber },
    );
  }
  return principal;
}
