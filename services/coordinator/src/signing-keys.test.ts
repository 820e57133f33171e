import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keyIdOf, rawPublicKey, SignalVerifier } from "@breakwater/core";
import { type Signal, SignalKind } from "@breakwater/proto";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { loadSigningKeyring } from "./signing-keys.js";

const log = pino({ level: "silent" });

const signal: Signal = {
  sequence: 1,
  signalId: "s",
  kind: SignalKind.SIGNAL_KIND_ADVISORY,
  issuedAtMs: 1,
  effectiveAtMs: 2,
  expiresAtMs: 0,
  scope: { assets: [], markets: [], venues: [], chains: [] },
  reason: "",
  ruleId: "r",
  evidence: [],
  action: { $case: "advisory", value: { code: "c", message: "" } },
  leaderTerm: 1,
  keyId: "",
  signature: Buffer.alloc(0),
};

describe("signing keyring", () => {
  const current = generateKeyPairSync("ed25519").privateKey;
  const old = generateKeyPairSync("ed25519").privateKey;
  const pem = current.export({ format: "pem", type: "pkcs8" }).toString();

  it("default: a key from the environment signs, and its public key is published under its id", () => {
    const ring = loadSigningKeyring({ signingKey: pem }, log);
    expect(ring.keyId).toBe(keyIdOf(current));
    expect(ring.development).toBe(false);
    const verifier = new SignalVerifier(
      ring.published.map((k) => ({ keyId: k.keyId, publicKey: k.publicKey })),
    );
    expect(verifier.verify(ring.sign(signal))).toEqual({ ok: true });
  });

  it("behavior: a key file (a mounted secret) with an explicit id, and a retired key kept published for the overlap", () => {
    const dir = mkdtempSync(join(tmpdir(), "bw-keys-"));
    writeFileSync(join(dir, "current.pem"), pem);
    const oldPub = join(dir, "old.pub.pem");
    writeFileSync(oldPub, old.export({ format: "pem", type: "pkcs8" }).toString());
    const ring = loadSigningKeyring(
      {
        signingKeyFile: join(dir, "current.pem"),
        signingKeyId: "2026-11",
        previousSigningKeys: `2026-10=@${oldPub}, ${rawPublicKey(generateKeyPairSync("ed25519").publicKey).toString("base64")}`,
        previousKeysNotAfterMs: 5_000,
      },
      log,
    );
    expect(ring.keyId).toBe("2026-11");
    expect(ring.published.map((k) => [k.keyId.slice(0, 8), k.notAfterMs])).toEqual([
      ["2026-11", 0],
      ["2026-10", 5_000],
      ["ed25519:", 5_000],
    ]);
    expect(ring.published[1]!.publicKey).toEqual(rawPublicKey(old));
  });

  it("behavior: an unreadable key or two sources at once is refused", () => {
    expect(() => loadSigningKeyring({ signingKey: "garbage" }, log)).toThrow(/cannot read the private key/);
    expect(() => loadSigningKeyring({ signingKey: pem, signingKeyFile: "/x" }, log)).toThrow(/not both/);
    expect(() => loadSigningKeyring({ signingKeyFile: "/nonexistent/key.pem" }, log)).toThrow(
      /cannot read signing key file/,
    );
  });

  it("behavior: without a configured key the coordinator refuses, unless the development flag asks for an ephemeral key", () => {
    expect(() => loadSigningKeyring({}, log)).toThrow(/no signing key configured/);
    const a = loadSigningKeyring({ developmentSigningKey: true }, log);
    const b = loadSigningKeyring({ developmentSigningKey: true }, log);
    expect(a.development).toBe(true);
    // ephemeral: never shared, so never readable from anywhere else
    expect(a.keyId).not.toBe(b.keyId);
    expect(a.published).toHaveLength(1);
  });
});
