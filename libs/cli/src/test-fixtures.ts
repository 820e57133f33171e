// Signed signals for the CLI's tests, made with a key the test generates.
import { parsePrivateKey, signSignal } from "@breakwater/core";
import { HaltMode, type Signal, SignalKind } from "@breakwater/proto";
import { type GeneratedKey, generateSigningKey } from "./keys.js";

/** A level-1 ETH halt with sequence `sequence`, unsigned. */
export function haltSignal(sequence: number, fields: Partial<Signal> = {}): Signal {
  return {
    sequence,
    signalId: `circuit-breaker-l1:ETH:p${sequence}`,
    kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
    issuedAtMs: 1_767_225_600_000 + sequence * 1_000,
    effectiveAtMs: 1_767_225_600_500 + sequence * 1_000,
    expiresAtMs: 0,
    scope: { assets: ["ETH"], markets: [], venues: ["perp-a"], chains: [] },
    reason: "ETH fell 8% within 300000 ms",
    ruleId: "circuit-breaker",
    evidence: [{ name: "fall", value: 0.08, threshold: 0.07, detail: "" }],
    action: {
      $case: "circuitBreaker",
      value: { level: 1, durationMs: 900_000, mode: HaltMode.HALT_MODE_FULL },
    },
    leaderTerm: 1,
    keyId: "",
    signature: Buffer.alloc(0),
    ...fields,
  };
}

/** A key and a signer with it. */
export function signer(): { key: GeneratedKey; sign: (s: Signal) => Signal } {
  const key = generateSigningKey();
  const priv = parsePrivateKey(key.privateKeyPem);
  return { key, sign: (s) => signSignal(s, priv, key.keyId) };
}
