import { chmodSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  CoordinatorClient,
  type CoordinatorTlsOptions,
  coordinatorTlsOf,
  grpcAddress,
} from "../coordinator-client.js";
import { FailureError, messageOf, UsageError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import { formatGeneratedKey, formatKeys } from "../format/keys.js";
import type { Io } from "../io.js";
import { generateSigningKey } from "../keys.js";
import { type CommonOptions, jsonText } from "./common.js";

export interface GenerateOptions {
  readonly out: string;
  readonly force: boolean;
  readonly json: boolean;
}

/** `breakwater keys generate`: a new Ed25519 key pair, the private key to a 0600 file. */
export async function keysGenerateCommand(o: GenerateOptions, io: Io): Promise<number> {
  const key = generateSigningKey();
  const path = resolve(o.out);
  try {
    // "wx": never overwrite an existing key unless asked; the mode applies when the file is created
    writeFileSync(path, key.privateKeyPem, { mode: 0o600, flag: o.force ? "w" : "wx" });
  } catch (err) {
    if ((err as { code?: string }).code === "EEXIST")
      throw new UsageError(`--out: ${path} exists (--force to overwrite it)`);
    throw new FailureError(`cannot write the private key to ${path}: ${messageOf(err)}`);
  }
  if (o.force) {
    // an overwritten file keeps its old mode: narrow it
    chmodSync(path, 0o600);
  }
  io.out(
    o.json
      ? jsonText({
          keyId: key.keyId,
          publicKey: key.publicKey,
          publicKeyPem: key.publicKeyPem,
          privateKeyFile: path,
        })
      : formatGeneratedKey(key, path),
  );
  return ExitCode.ok;
}

export interface ListOptions extends CommonOptions, CoordinatorTlsOptions {
  readonly coordinator: string;
}

/** `breakwater keys list`: what the coordinator publishes (GetSigningKeys), as a keys file with `--json`. */
export async function keysListCommand(o: ListOptions, io: Io): Promise<number> {
  const client = new CoordinatorClient(
    grpcAddress(o.coordinator, "--coordinator"),
    o.timeout,
    coordinatorTlsOf(o),
  );
  try {
    const res = await client.getSigningKeys();
    const keys = res.keys.map((k) => ({
      keyId: k.keyId,
      publicKey: Buffer.from(k.publicKey).toString("base64"),
      notBeforeMs: k.notBeforeMs,
      notAfterMs: k.notAfterMs,
    }));
    if (!o.json)
      io.err(
        "these are the keys the coordinator says it signs with: compare them with the ones you were given before pinning\n",
      );
    io.out(o.json ? jsonText({ keys }) : formatKeys(keys));
    return ExitCode.ok;
  } finally {
    client.close();
  }
}
