import { fields, loadConfig } from "@breakwater/config";
import { parsePublicKey, type TrustedKey } from "@breakwater/core";
import { z } from "zod";

export const sampleVenueConfigSchema = z
  .object({
    venueId: z.string({ error: "required (--venue or BW_VENUE_ID)" }).pipe(fields.venueId),
    coordinatorAddr: z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$/, "must be host:port")
      .default("127.0.0.1:50051"),
    afterSequence: z.coerce.number().int("must be an integer").min(0).default(0),
    /** The venue's client certificate (its spiffe://breakwater/venue/<id> identity), key, and the CA bundle. */
    tlsCertFile: fields.tlsFile("the venue's client certificate file", "--tls-cert or BW_TLS_CERT_FILE"),
    tlsKeyFile: fields.tlsFile("the venue's private key file", "--tls-key or BW_TLS_KEY_FILE"),
    tlsCaFile: fields.tlsFile("the CA bundle file", "--tls-ca or BW_TLS_CA_FILE"),
    /**
     * Pinned coordinator public keys, comma-separated `keyId=base64` (raw 32 bytes or SPKI DER).
     * Empty: trust the keys the coordinator publishes (GetSigningKeys).
     */
    trustedKeys: z
      .string()
      .default("")
      .refine(
        (text) => parseTrustedKeys(text) !== undefined,
        "must be comma-separated keyId=base64 Ed25519 public keys",
      ),
  })
  .strict();

export type SampleVenueConfig = z.infer<typeof sampleVenueConfigSchema>;

/** Loads the sample venue's settings from BW_* variables and flags; throws ConfigError listing every problem. */
export function loadSampleVenueConfig(
  argv?: readonly string[],
  environment?: NodeJS.ProcessEnv,
): SampleVenueConfig {
  return loadConfig(sampleVenueConfigSchema, {
    service: "sample-venue",
    env: {
      BW_VENUE_ID: "venueId",
      BW_COORDINATOR_ADDR: "coordinatorAddr",
      BW_AFTER_SEQUENCE: "afterSequence",
      BW_TRUSTED_KEYS: "trustedKeys",
      BW_TLS_CERT_FILE: "tlsCertFile",
      BW_TLS_KEY_FILE: "tlsKeyFile",
      BW_TLS_CA_FILE: "tlsCaFile",
    },
    flags: {
      venue: "venueId",
      coordinator: "coordinatorAddr",
      after: "afterSequence",
      "trusted-keys": "trustedKeys",
      "tls-cert": "tlsCertFile",
      "tls-key": "tlsKeyFile",
      "tls-ca": "tlsCaFile",
    },
    ...(argv ? { argv } : {}),
    ...(environment ? { environment } : {}),
  });
}

/** Parses `keyId=base64,...`; undefined when any entry is not a readable Ed25519 public key. */
export function parseTrustedKeys(text: string): TrustedKey[] | undefined {
  const keys: TrustedKey[] = [];
  for (const entry of text
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const eq = entry.indexOf("=");
    if (eq <= 0) return undefined;
    const keyId = entry.slice(0, eq);
    const publicKey = entry.slice(eq + 1);
    try {
      parsePublicKey(publicKey);
    } catch {
      return undefined;
    }
    keys.push({ keyId, publicKey });
  }
  return keys;
}
