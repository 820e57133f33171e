import { createPrivateKey, createPublicKey } from "node:crypto";
import { keyIdOf, parsePrivateKey, parsePublicKey, rawPublicKey } from "@breakwater/core";
import { describe, expect, it } from "vitest";
import { UsageError } from "./errors.js";
import { generateSigningKey, parseKeyFlag, parseKeysFile } from "./keys.js";

const noFile = () => {
  throw new Error("no such file");
};

describe("keys", () => {
  it("a generated key reads back as the coordinator reads it, with the id it derives", () => {
    const k = generateSigningKey();
    const priv = parsePrivateKey(k.privateKeyPem);
    expect(keyIdOf(priv)).toBe(k.keyId);
    expect(k.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
    expect(rawPublicKey(priv).toString("base64")).toBe(k.publicKey);
    expect(rawPublicKey(parsePublicKey(k.publicKeyPem)).toString("base64")).toBe(k.publicKey);
    expect(createPrivateKey(k.privateKeyPem).asymmetricKeyType).toBe("ed25519");
    expect(createPublicKey(k.publicKeyPem).asymmetricKeyType).toBe("ed25519");
  });

  it("--key splits at the first '=' (base64 padding stays with the key) and reads @files", () => {
    const k = generateSigningKey();
    expect(parseKeyFlag(`${k.keyId}=${k.publicKey}`, noFile)).toEqual({
      keyId: k.keyId,
      publicKey: k.publicKey,
    });
    expect(parseKeyFlag(`${k.keyId}=@pub.pem`, () => k.publicKeyPem)).toEqual({
      keyId: k.keyId,
      publicKey: k.publicKeyPem,
    });
  });

  it("bad --key values are usage errors saying what is expected", () => {
    expect(() => parseKeyFlag("just-a-key", noFile)).toThrow(/is not KEY_ID=PUBLIC_KEY/);
    expect(() => parseKeyFlag("id=bm90IGEga2V5", noFile)).toThrow(UsageError);
    expect(() => parseKeyFlag("id=@missing.pem", noFile)).toThrow(/cannot read missing.pem/);
  });

  it("keys files: keys list --json, a bare array, or one key from keys generate --json", () => {
    const k = generateSigningKey();
    const one = { keyId: k.keyId, publicKey: k.publicKey };
    expect(parseKeysFile(JSON.stringify({ keys: [{ ...one, notBeforeMs: 0, notAfterMs: 5 }] }), "f")).toEqual(
      [{ ...one, notBeforeMs: 0, notAfterMs: 5 }],
    );
    expect(parseKeysFile(JSON.stringify([one]), "f")).toEqual([one]);
    expect(
      parseKeysFile(JSON.stringify({ ...one, publicKeyPem: k.publicKeyPem, privateKeyFile: "/x" }), "f"),
    ).toEqual([one]);
    expect(() => parseKeysFile("{", "f")).toThrow(/not JSON/);
    expect(() => parseKeysFile("[]", "f")).toThrow(/holds no keys/);
    expect(() => parseKeysFile(JSON.stringify([{ keyId: "a", publicKey: 3 }]), "f")).toThrow(
      /key 0: publicKey must be a string/,
    );
  });
});
