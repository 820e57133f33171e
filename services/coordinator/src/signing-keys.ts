import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
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
  /** Allows an ephemeral key when none is configured (development only). */
  readonly developmentSigningKey?: boolean | undefined;
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

/**
 * Loads the keyring: the configured key (env or file) with its retired
 * predecessors. Without one it refuses, unless `developmentSigningKey` is set:
 * then an ephemeral key is generated in memory (never stored anywhere; each
 * replica and each restart has its own) and a loud warning is logged.
 */
export function loadSigningKeyring(settings: SigningKeySettings, log: Logger): SigningKeyring {
  if (settings.signingKey && settings.signingKeyFile) {
    throw new SigningKeyError("set either BW_SIGNING_KEY or BW_SIGNING_KEY_FILE, not both");
  }
  const configured =
    settings.signingKey ??
    (settings.signingKeyFile ? readKeyFile(settings.signingKeyFile, "signing key") : undefined);
  const development = !configured;
  if (development && !settings.developmentSigningKey) {
    throw new SigningKeyError(
      "no signing key configured: set BW_SIGNING_KEY_FILE (a mounted Secret) or BW_SIGNING_KEY; " +
        "for development only, BW_DEVELOPMENT_SIGNING_KEY=true signs with an ephemeral key",
    );
  }
  const privateKey = configured ? parsePrivateKey(configured) : generateKeyPairSync("ed25519").privateKey;
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
      "DEVELOPMENT SIGNING KEY: no signing key configured, signing with an ephemeral key generated at start " +
        "(venues must fetch it with GetSigningKeys; another replica or a restart signs with another key). " +
        "Never use in production: configure BW_SIGNING_KEY_FILE",
    );
  }
  return new SigningKeyring(keyId, privateKey, published, development);
}
