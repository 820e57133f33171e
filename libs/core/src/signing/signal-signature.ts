import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { Signal } from "@breakwater/proto";
import { BreakwaterError, type ErrorStatus } from "../errors.js";

/**
 * Domain separation: the signed bytes start with this label, so a signature
 * over a signal can never be replayed as a signature over anything else.
 */
export const SIGNAL_SIGNATURE_DOMAIN = "breakwater.v1.Signal\n";

const DOMAIN = Buffer.from(SIGNAL_SIGNATURE_DOMAIN, "utf8");
/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
/** DER prefix of an SPKI Ed25519 public key; the 32-byte key follows. */
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** A key cannot be read or is not Ed25519. */
export class SigningKeyError extends BreakwaterError {
  override readonly status: ErrorStatus = "failed_precondition";
  constructor(message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super("invalid_signing_key", message, context, cause);
  }
}

/**
 * The canonical bytes a signal's signature covers: the domain label, then the
 * protobuf encoding of the signal with `signature` empty (every other field,
 * `sequence`, `leader_term` and `key_id` included). Protobuf's encoder writes
 * fields in field-number order and omits defaults, so the bytes depend only
 * on the signal's content.
 */
export function canonicalSignalBytes(signal: Signal): Buffer {
  const body = Signal.encode({ ...signal, signature: Buffer.alloc(0) }).finish();
  return Buffer.concat([DOMAIN, body]);
}

/** The raw 32-byte Ed25519 public key of a key object (private or public). */
export function rawPublicKey(key: KeyObject): Buffer {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  const der = pub.export({ format: "der", type: "spki" });
  return Buffer.from(der.subarray(der.length - 32));
}

/** A key id derived from the public key: `ed25519:` + the first 16 hex digits of its SHA-256. */
export function keyIdOf(key: KeyObject): string {
  return `ed25519:${createHash("sha256").update(rawPublicKey(key)).digest("hex").slice(0, 16)}`;
}

function requireEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== "ed25519") {
    throw new SigningKeyError(`${what} is a ${key.asymmetricKeyType ?? "symmetric"} key, not Ed25519`);
  }
  return key;
}

/**
 * Reads an Ed25519 private key from PEM (PKCS#8) or base64 of either the
 * PKCS#8 DER or the raw 32-byte seed, as a Kubernetes secret would hold it.
 */
export function parsePrivateKey(text: string): KeyObject {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith("-----BEGIN")) {
      return requireEd25519(createPrivateKey({ key: trimmed, format: "pem" }), "the private key");
    }
    const bytes = Buffer.from(trimmed, "base64");
    const der = bytes.length === 32 ? Buffer.concat([PKCS8_ED25519_PREFIX, bytes]) : bytes;
    return requireEd25519(createPrivateKey({ key: der, format: "der", type: "pkcs8" }), "the private key");
  } catch (err) {
    if (err instanceof SigningKeyError) throw err;
    throw new SigningKeyError(
      "cannot read the private key: expected PEM (PKCS#8) or base64 of a PKCS#8 DER or a 32-byte Ed25519 seed",
      {},
      err,
    );
  }
}

/**
 * Reads an Ed25519 public key from PEM (SPKI), base64 of the SPKI DER or of
 * the raw 32 bytes, or raw bytes. A private key is accepted too (its public half is used).
 */
export function parsePublicKey(input: string | Uint8Array): KeyObject {
  try {
    if (typeof input !== "string") {
      const bytes = Buffer.from(input);
      const der = bytes.length === 32 ? Buffer.concat([SPKI_ED25519_PREFIX, bytes]) : bytes;
      return requireEd25519(createPublicKey({ key: der, format: "der", type: "spki" }), "the public key");
    }
    const trimmed = input.trim();
    if (trimmed.startsWith("-----BEGIN")) {
      return requireEd25519(createPublicKey({ key: trimmed, format: "pem" }), "the public key");
    }
    return parsePublicKey(Buffer.from(trimmed, "base64"));
  } catch (err) {
    if (err instanceof SigningKeyError) throw err;
    throw new SigningKeyError(
      "cannot read the public key: expected PEM (SPKI) or base64 of an SPKI DER or 32 raw bytes",
      {},
      err,
    );
  }
}

/** Returns the signal with `key_id` set and signed by `privateKey`. */
export function signSignal(signal: Signal, privateKey: KeyObject, keyId: string): Signal {
  const unsigned: Signal = { ...signal, keyId, signature: Buffer.alloc(0) };
  return { ...unsigned, signature: sign(null, canonicalSignalBytes(unsigned), privateKey) };
}

/** True when `signal.signature` is a valid Ed25519 signature by `publicKey` over its canonical bytes. */
export function verifySignalSignature(signal: Signal, publicKey: KeyObject): boolean {
  if (signal.signature.length !== 64) return false;
  try {
    return verify(null, canonicalSignalBytes(signal), publicKey, signal.signature);
  } catch {
    return false;
  }
}
