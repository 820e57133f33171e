import { CHAIN_ID_PATTERN, isAssetId, isId, isVenueId } from "@breakwater/core";
import { z } from "zod";

/** Shared field schemas, so every service spells the same setting the same way. */
export const fields = {
  natsUrl: z
    .string()
    .regex(
      /^(nats|tls):\/\/[^\s,]+(,(nats|tls):\/\/[^\s,]+)*$/,
      "must be nats://host:port (comma-separated for several)",
    )
    .default("nats://127.0.0.1:4222"),
  host: z.string().min(1).default("127.0.0.1"),
  /** Identities are spiffe://<trust domain>/<role>/<name> URIs in client certificates. */
  trustDomain: z
    .string()
    .regex(/^[a-z0-9.-]{1,253}$/, "must be a DNS-like name (lowercase letters, digits, . -)")
    .default("breakwater"),
  /** A file a TLS identity is read from (a mounted Secret); `what` names it in the error. */
  tlsFile: (what: string, env: string) => z.string({ error: `required: ${what} (${env})` }).min(1),
  port: z.coerce.number().int("must be an integer").min(0).max(65_535),
  durationMs: z.coerce.number().int("must be an integer number of milliseconds").positive("must be positive"),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  /** A chain id (the rule is core's: it is used in NATS subjects). */
  id: z.string().regex(CHAIN_ID_PATTERN, "must be lowercase letters, digits and dashes"),
  /** A venue id, as core's ids have it. */
  venueId: z.string().refine(isVenueId, "must be a venue id (letters, digits, _ . : / -)"),
  /** An asset id, as core's ids have it. */
  assetId: z.string().refine(isAssetId, "must be an asset id (letters, digits, _ . : / -)"),
  /** Any other id (a market, a feed pair, an endpoint's name), as core's ids have it. */
  name: z.string().refine(isId, "must be an identifier (letters, digits, _ . : / -)"),
};
