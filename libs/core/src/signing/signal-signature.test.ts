import { generateKeyPairSync } from "node:crypto";
import { HaltMode, type Signal, SignalKind } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import {
  canonicalSignalBytes,
  keyIdOf,
  parsePrivateKey,
  parsePublicKey,
  rawPublicKey,
  SigningKeyError,
  signSignal,
  verifySignalSignature,
} from "./signal-signature.js";
import { SignalVerifier } from "./signal-verifier.js";

const halt: Signal = {
  sequence: 7,
  signalId: "circuit-breaker:ETH:a1",
  kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
  issuedAtMs: 1_000,
  effectiveAtMs: 1_500,
  expiresAtMs: 901_500,
  scope: { assets: ["ETH"], markets: ["ETH-PERP"], venues: ["perp-a"], chains: ["sim-a"] },
  reason: "ETH fell 8%",
  ruleId: "circuit-breaker",
  evidence: [{ name: "drawdown", value: 0.08, threshold: 0.07, detail: "" }],
  action: {
    $case: "circuitBreaker",
    value: { level: 1, durationMs: 900_000, mode: HaltMode.HALT_MODE_FULL },
  },
  leaderTerm: 3,
  keyId: "",
  signature: Buffer.alloc(0),
};

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const keyId = keyIdOf(privateKey);

describe("signal signatures", () => {
  it("default: a signed signal verifies with the signer's public key", () => {
    const signed = signSignal(halt, privateKey, keyId);
    expect(signed.keyId).toBe(keyId);
    expect(signed.signature).toHaveLength(64);
    expect(verifySignalSignature(signed, publicKey)).toBe(true);
  });

  it("behavior: the canonical bytes ignore the signature and are stable", () => {
    const signed = signSignal(halt, privateKey, keyId);
    expect(canonicalSignalBytes(signed)).toEqual(
      canonicalSignalBytes({ ...signed, signature: Buffer.alloc(0) }),
    );
    expect(canonicalSignalBytes(signed).subarray(0, 21).toString()).toBe("breakwater.v1.Signal\n");
  });

  it.each<[string, (s: Signal) => Signal]>([
    ["sequence", (s) => ({ ...s, sequence: 8 })],
    ["effective time", (s) => ({ ...s, effectiveAtMs: s.effectiveAtMs + 1 })],
    ["scope", (s) => ({ ...s, scope: { ...s.scope!, venues: ["perp-b"] } })],
    ["leader term", (s) => ({ ...s, leaderTerm: 2 })],
    ["key id", (s) => ({ ...s, keyId: "other" })],
    [
      "action",
      (s) => ({ ...s, action: { $case: "circuitBreaker", value: { level: 1, durationMs: 1, mode: 1 } } }),
    ],
  ])("behavior: tampering with the %s fails verification", (_name, tamper) => {
    const signed = signSignal(halt, privateKey, keyId);
    expect(verifySignalSignature(tamper(signed), publicKey)).toBe(false);
  });

  it("behavior: keys load from PEM, base64 DER and base64 raw bytes", () => {
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const der = privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");
    const seed = Buffer.from(privateKey.export({ format: "der", type: "pkcs8" }).subarray(16)).toString(
      "base64",
    );
    for (const text of [pem, der, seed]) expect(keyIdOf(parsePrivateKey(text))).toBe(keyId);
    const raw = rawPublicKey(publicKey);
    expect(raw).toHaveLength(32);
    for (const input of [
      raw,
      raw.toString("base64"),
      publicKey.export({ format: "pem", type: "spki" }).toString(),
    ]) {
      expect(keyIdOf(parsePublicKey(input))).toBe(keyId);
    }
  });

  it("behavior: an unreadable or non-Ed25519 key is a SigningKeyError", () => {
    expect(() => parsePrivateKey("not a key")).toThrow(SigningKeyError);
    const rsa = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    expect(() => parsePrivateKey(rsa.export({ format: "pem", type: "pkcs8" }).toString())).toThrow(
      /not Ed25519/,
    );
  });
});

describe("SignalVerifier", () => {
  const signed = signSignal(halt, privateKey, keyId);
  const pub = rawPublicKey(publicKey);

  it("default: accepts a signal signed by a pinned key", () => {
    expect(new SignalVerifier([{ keyId, publicKey: pub }]).verify(signed)).toEqual({ ok: true });
  });

  it.each<[string, SignalVerifier, Signal, string]>([
    ["unsigned", new SignalVerifier([{ keyId, publicKey: pub }]), halt, "unsigned"],
    ["unknown key", new SignalVerifier(), signed, "unknown_key"],
    [
      "tampered",
      new SignalVerifier([{ keyId, publicKey: pub }]),
      { ...signed, reason: "x" },
      "bad_signature",
    ],
    [
      "issued after the key's end",
      new SignalVerifier([{ keyId, publicKey: pub, notAfterMs: 999 }]),
      signed,
      "key_not_valid_at_issue",
    ],
    [
      "right id, other key",
      new SignalVerifier([{ keyId, publicKey: rawPublicKey(generateKeyPairSync("ed25519").publicKey) }]),
      signed,
      "bad_signature",
    ],
  ])("behavior: rejects a signal that is %s", (_name, verifier, signal, reason) => {
    expect(verifier.verify(signal)).toEqual({ ok: false, reason });
  });
});
