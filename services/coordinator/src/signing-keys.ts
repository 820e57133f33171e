import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { type Bus, buckets } from "@breakwater/bus";
import {
  keyIdOf,
  parsePrivateKey,
  parsePublicKey,
  rawPublicKey,
  SigningKeyError,
  signSignal,
} from "@breakwater/core";
import type { Signal, SigningKey } from "@breakwater/proto";
import type { Logger } from "@breakwater/telemetry";

/** Where the coordinator's keys come from (see the README's signing section). */
export interface SigningKeySettings {
  /** Active private key: PEM, or base64 of PKCS#8 DER or of the 32-byte seed. */
  readonly signingKey?: string | undefined;
  /** File holding the active private key (a mounted Kubernetes secret). */
  readonly signingKeyFile?: string | undefined;
  /** Key id of the active key; derived from the public key when empty. */
  readonly signingKeyId?: string | undefined;
  /**
   * Retired keys still published for verification during a rotation's overlap:
   * comma-separated `[keyId=]value`, where value is base64 (public or private key)
   * or `@/path/to/file.pem`.
   */
  readonly previousSigningKeys?: string | undefined;
  /** End of the retired keys' validity (ms since epoch; 0 = open). */
  readonly previousKeysNotAfterMs?: number | undefined;
}

/** The active signing key and every public key venues may need. */
export class SigningKeyring {
  constructor(
    readonly keyId: string,
    private readonly privateKey: KeyObject,
    /** Active key first, then retired ones. */
    readonly published: readonly SigningKey[],
    /** True when the key was generated for development, not configured. */
    readonly development: boolean,
  ) {}

  sign(signal: Signal): Signal {
    return signSignal(signal, this.privateKey, this.keyId);
  }
}

function readKeyFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new SigningKeyError(`cannot read ${what} file ${path}: ${(err as Error).message}`, { path }, err);
  }
}

function parsePrevious(entry: string, notAfterMs: number): SigningKey {
  const eq = entry.indexOf("=");
  // base64 may end in "=": an id is only a prefix without "/" "+" before the first "="
  const hasId = eq > 0 && !entry.slice(0, eq).includes("@") && eq < entry.length - 2;
  const keyIdGiven = hasId ? entry.slice(0, eq).trim() : "";
  const value = (hasId ? entry.slice(eq + 1) : entry).trim();
  const text = value.startsWith("@") ? readKeyFile(value.slice(1), "previous signing key") : value;
  let key: KeyObject;
  try {
    key = parsePublicKey(text);
  } catch {
    key = parsePrivateKey(text);
  }
  return {
    keyId: keyIdGiven || keyIdOf(key),
    publicKey: rawPublicKey(key),
    notBeforeMs: 0,
    notAfterMs: notAfterMs,
  };
}

const DEV_KEY = "coordinator";

/**
 * A development key shared by every replica through a KV bucket: the first
 * replica generates it, the others (and restarts) read it. Never for production.
 */
async function developmentKey(bus: Bus): Promise<KeyObject> {
  const kv = await bus.kvm.create(buckets.devSigningKey, { history: 1 });
  const existing = await kv.get(DEV_KEY);
  if (existing && existing.operation === "PUT" && existing.value.length > 0) {
    return parsePrivateKey(existing.string());
  }
  const generated = generateKeyPairSync("ed25519").privateKey;
  const pem = generated.export({ format: "pem", type: "pkcs8" }).toString();
  try {
    await kv.create(DEV_KEY, pem);
    return generated;
  } catch {
    // another replica created it first
    const entry = await kv.get(DEV_KEY);
    if (!entry) throw new SigningKeyError("the development signing key vanished while being created");
    return parsePrivateKey(entry.string());
  }
}

/**
 * Loads the keyring: the configured key (env or file) with its retired
 * predecessors, or, when none is configured, a development key (logged as a warning).
 */
export async function loadSigningKeyring(
  settings: SigningKeySettings,
  bus: Bus,
  log: Logger,
): Promise<SigningKeyring> {
  if (settings.signingKey && settings.signingKeyFile) {
    throw new SigningKeyError("set either BW_SIGNING_KEY or BW_SIGNING_KEY_FILE, not both");
  }
  const configured =
    settings.signingKey ??
    (settings.signingKeyFile ? readKeyFile(settings.signingKeyFile, "signing key") : undefined);
  const development = !configured;
  const privateKey = configured ? parsePrivateKey(configured) : await developmentKey(bus);
  const keyId = settings.signingKeyId || keyIdOf(privateKey);
  const previous = (settings.previousSigningKeys ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => parsePrevious(entry, settings.previousKeysNotAfterMs ?? 0))
    .filter((k) => k.keyId !== keyId);
  const published: SigningKey[] = [
    { keyId, publicKey: rawPublicKey(privateKey), notBeforeMs: 0, notAfterMs: 0 },
    ...previous,
  ];
  if (development) {
    log.warn(
      { keyId },
      "no signing key configured (BW_SIGNING_KEY / BW_SIGNING_KEY_FILE): signing with a development key shared through NATS; do not use in production",
    );
  }
  return new SigningKeyring(keyId, privateKey, published, development);
}
