import { z } from "zod";
import { fields } from "./fields.js";

/**
 * The NATS connection settings every service shares: where NATS is, the
 * service's own identity (an nkey seed file, see docs/architecture.md "NATS
 * identities and permissions") and TLS. Spread into a service's schema; the
 * keys are the same in every service, and so are their environment variables
 * (NATS_ENV).
 */
export const natsFields = {
  natsUrl: fields.natsUrl,
  /** The service's nkey user seed (scripts/nats-auth.ts writes one per identity). */
  natsSeedFile: z.string().min(1, "must be a file path").optional(),
  /** The CA that signed the NATS server's certificate; set it to connect over TLS. */
  natsTlsCaFile: z.string().min(1, "must be a file path").optional(),
  /** A client certificate, when the NATS server verifies clients. */
  natsTlsCertFile: z.string().min(1, "must be a file path").optional(),
  natsTlsKeyFile: z.string().min(1, "must be a file path").optional(),
};

export type NatsSettings = z.output<z.ZodObject<typeof natsFields>>;

/** Environment variable → NATS setting, the same in every service. */
export const NATS_ENV = {
  BW_NATS_URL: "natsUrl",
  BW_NATS_SEED_FILE: "natsSeedFile",
  BW_NATS_TLS_CA_FILE: "natsTlsCaFile",
  BW_NATS_TLS_CERT_FILE: "natsTlsCertFile",
  BW_NATS_TLS_KEY_FILE: "natsTlsKeyFile",
} as const;

/** The checks across NATS fields (a schema's superRefine): a client certificate comes with its key, a seed without URL credentials. */
export function checkNatsSettings(cfg: Partial<NatsSettings>, ctx: z.RefinementCtx): void {
  if ((cfg.natsTlsCertFile === undefined) !== (cfg.natsTlsKeyFile === undefined))
    ctx.addIssue({
      code: "custom",
      path: [cfg.natsTlsCertFile === undefined ? "natsTlsCertFile" : "natsTlsKeyFile"],
      message: "a NATS client certificate needs its key (natsTlsCertFile and natsTlsKeyFile go together)",
    });
  if (cfg.natsSeedFile !== undefined && /^[a-z]+:\/\/[^,]*@/.test(cfg.natsUrl ?? ""))
    ctx.addIssue({
      code: "custom",
      path: ["natsSeedFile"],
      message: "NATS credentials come from the seed file or from the URL, not both",
    });
}

/** The connection options (connectBus's `url`, `credentials`, `tls`) of a service's NATS settings. */
export function natsConnectionOf(s: NatsSettings): {
  url: string;
  credentials?: { nkeySeedFile: string };
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
} {
  const tls = {
    ...(s.natsTlsCaFile === undefined ? {} : { caFile: s.natsTlsCaFile }),
    ...(s.natsTlsCertFile === undefined ? {} : { certFile: s.natsTlsCertFile }),
    ...(s.natsTlsKeyFile === undefined ? {} : { keyFile: s.natsTlsKeyFile }),
  };
  return {
    url: s.natsUrl,
    ...(s.natsSeedFile === undefined ? {} : { credentials: { nkeySeedFile: s.natsSeedFile } }),
    ...(Object.keys(tls).length === 0 ? {} : { tls }),
  };
}
