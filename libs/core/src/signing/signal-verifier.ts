import type { KeyObject } from "node:crypto";
import type { Signal } from "@breakwater/proto";
import { parsePublicKey, verifySignalSignature } from "./signal-signature.js";

/** A public key a venue trusts, with the period in which it may have signed (0 = open). */
export interface TrustedKey {
  readonly keyId: string;
  /** PEM, base64 (SPKI DER or raw 32 bytes), or the raw bytes. */
  readonly publicKey: string | Uint8Array;
  readonly notBeforeMs?: number;
  readonly notAfterMs?: number;
}

/** Why a signal failed verification. */
export type VerifyFailure = "unsigned" | "unknown_key" | "key_not_valid_at_issue" | "bad_signature";

export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: VerifyFailure };

interface Pinned {
  readonly key: KeyObject;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
}

/**
 * Verifies signal signatures against pinned public keys. A signal must name a
 * pinned key id, have been issued within that key's validity, and carry a
 * valid Ed25519 signature over its canonical encoding.
 */
export class SignalVerifier {
  private readonly keys = new Map<string, Pinned>();

  constructor(keys: readonly TrustedKey[] = []) {
    for (const key of keys) this.pin(key);
  }

  /** Pins a key (replacing one with the same id). Throws SigningKeyError on an unreadable key. */
  pin(key: TrustedKey): void {
    this.keys.set(key.keyId, {
      key: parsePublicKey(key.publicKey),
      notBeforeMs: key.notBeforeMs ?? 0,
      notAfterMs: key.notAfterMs ?? 0,
    });
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  verify(signal: Signal): VerifyResult {
    if (signal.keyId === "" || signal.signature.length === 0) return { ok: false, reason: "unsigned" };
    const pinned = this.keys.get(signal.keyId);
    if (!pinned) return { ok: false, reason: "unknown_key" };
    if (
      (pinned.notBeforeMs > 0 && signal.issuedAtMs < pinned.notBeforeMs) ||
      (pinned.notAfterMs > 0 && signal.issuedAtMs > pinned.notAfterMs)
    ) {
      return { ok: false, reason: "key_not_valid_at_issue" };
    }
    return verifySignalSignature(signal, pinned.key) ? { ok: true } : { ok: false, reason: "bad_signature" };
  }
}
