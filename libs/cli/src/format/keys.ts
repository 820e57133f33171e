// Human output of signing keys: pure functions.
import type { TrustedKey } from "@breakwater/core";
import type { GeneratedKey } from "../keys.js";
import { formatTime } from "./numbers.js";
import { renderTable } from "./table.js";

/** `keys generate`: what to configure where. */
export function formatGeneratedKey(k: GeneratedKey, privateKeyFile: string): string {
  return [
    `private key written to ${privateKeyFile} (mode 0600): keep it secret`,
    `key id:     ${k.keyId}`,
    `public key: ${k.publicKey}`,
    "",
    "coordinator:",
    `  BW_SIGNING_KEY_FILE=${privateKeyFile}`,
    `  (optional) BW_SIGNING_KEY_ID=${k.keyId}   the id the coordinator derives anyway`,
    `  after a rotation, as a retired key: BW_SIGNING_PREVIOUS_KEYS=${k.keyId}=${k.publicKey}`,
    "venues and this CLI (pin it):",
    `  breakwater signals tail --key ${k.keyId}=${k.publicKey} ...`,
    `  SDK: signatures: { keys: [{ keyId: "${k.keyId}", publicKey: "${k.publicKey}" }] }`,
    "",
    k.publicKeyPem.trimEnd(),
    "",
  ].join("\n");
}

/** `keys list`: the keys the coordinator publishes. */
export function formatKeys(keys: readonly TrustedKey[]): string {
  return renderTable(
    [{ header: "KEY ID" }, { header: "PUBLIC KEY" }, { header: "NOT BEFORE" }, { header: "NOT AFTER" }],
    keys.map((k) => [
      k.keyId,
      typeof k.publicKey === "string" ? k.publicKey : Buffer.from(k.publicKey).toString("base64"),
      k.notBeforeMs ? formatTime(k.notBeforeMs) : "open",
      k.notAfterMs ? formatTime(k.notAfterMs) : "open",
    ]),
  );
}
