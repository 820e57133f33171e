import { generateKeyPairSync } from "node:crypto";
import { keyIdOf, parsePublicKey, rawPublicKey, type TrustedKey } from "@breakwater/core";
import { messageOf, UsageError } from "./errors.js";

/** A key pair as `keys generate` makes it, in the formats the coordinator and the SDK read. */
export interface GeneratedKey {
  /** `ed25519:` + 16 hex digits of SHA-256 of the raw public key: the coordinator's derived id. */
  readonly keyId: string;
  /** Base64 of the raw 32-byte public key (what GetSigningKeys publishes, what venues pin). */
  readonly publicKey: string;
  /** The public key as PEM (SPKI). */
  readonly publicKeyPem: string;
  /** The private key as PEM (PKCS#8), for `BW_SIGNING_KEY_FILE` / `BW_SIGNING_KEY`. */
  readonly privateKeyPem: string;
}

/** A fresh Ed25519 key pair. */
export function generateSigningKey(): GeneratedKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    keyId: keyIdOf(publicKey),
    publicKey: rawPublicKey(publicKey).toString("base64"),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

function checked(key: TrustedKey, where: string): TrustedKey {
  if (key.keyId.trim() === "") throw new UsageError(`${where}: the key id is empty`);
  try {
    parsePublicKey(key.publicKey);
  } catch (err) {
    throw new UsageError(`${where}: ${messageOf(err)}`);
  }
  return key;
}

/**
 * A `--key` value: `KEY_ID=PUBLIC_KEY`, the key as base64 (raw 32 bytes or
 * SPKI DER) or `@path` to a file holding it (PEM or base64). Key ids never
 * hold "=", so the first "=" splits (base64 padding may follow).
 */
export function parseKeyFlag(text: string, readFile: (path: string) => string): TrustedKey {
  const eq = text.indexOf("=");
  if (eq <= 0 || eq === text.length - 1)
    throw new UsageError(`--key: "${text.slice(0, 60)}" is not KEY_ID=PUBLIC_KEY (base64, or @file)`);
  const keyId = text.slice(0, eq).trim();
  const value = text.slice(eq + 1).trim();
  let publicKey = value;
  if (value.startsWith("@")) {
    try {
      publicKey = readFile(value.slice(1));
    } catch (err) {
      throw new UsageError(`--key ${keyId}: cannot read ${value.slice(1)}: ${messageOf(err)}`);
    }
  }
  return checked({ keyId, publicKey }, `--key ${keyId}`);
}

function trustedKeyOf(item: unknown, where: string): TrustedKey {
  if (typeof item !== "object" || item === null) throw new UsageError(`${where}: not an object`);
  const o = item as Record<string, unknown>;
  if (typeof o["keyId"] !== "string") throw new UsageError(`${where}: keyId must be a string`);
  if (typeof o["publicKey"] !== "string") throw new UsageError(`${where}: publicKey must be a string`);
  for (const f of ["notBeforeMs", "notAfterMs"] as const) {
    const v = o[f];
    if (v !== undefined && !(typeof v === "number" && Number.isSafeInteger(v) && v >= 0))
      throw new UsageError(`${where}: ${f} must be a non-negative integer (ms since epoch; 0 = open)`);
  }
  return checked(
    {
      keyId: o["keyId"],
      publicKey: o["publicKey"],
      ...(typeof o["notBeforeMs"] === "number" ? { notBeforeMs: o["notBeforeMs"] } : {}),
      ...(typeof o["notAfterMs"] === "number" ? { notAfterMs: o["notAfterMs"] } : {}),
    },
    `${where} (${o["keyId"]})`,
  );
}

/**
 * A keys file: JSON, either `{ "keys": [ … ] }` (what `keys list --json`
 * prints), a bare array, or one key (what `keys generate --json` prints).
 * Each key: `keyId`, `publicKey` (base64 or PEM), optional `notBeforeMs` / `notAfterMs`.
 */
export function parseKeysFile(text: string, path: string): TrustedKey[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--keys-file ${path}: not JSON: ${messageOf(err)}`);
  }
  const list = Array.isArray(json)
    ? json
    : typeof json === "object" && json !== null && Array.isArray((json as { keys?: unknown }).keys)
      ? (json as { keys: unknown[] }).keys
      : [json];
  if (list.length === 0) throw new UsageError(`--keys-file ${path}: holds no keys`);
  return list.map((item, i) => trustedKeyOf(item, `--keys-file ${path}: key ${i}`));
}
