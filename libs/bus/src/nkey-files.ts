/**
 * Nkey seed files: one per service identity, `<dir>/<role name>.nk`, created
 * (mode 0600) when missing and reused when present, so regenerating the
 * authorization config never changes a deployed identity.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nkeys } from "@nats-io/transport-node";
import type { BusIdentity } from "./authorization.js";
import { BusCredentialsError } from "./errors.js";
import { type BusRole, roleName } from "./permissions.js";

/** The seed file of a role in `dir`. */
export function seedFileOf(dir: string, role: BusRole): string {
  return join(dir, `${roleName(role)}.nk`);
}

/** Reads an nkey user seed from a file (surrounding whitespace ignored). */
export function readSeed(file: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (err) {
    throw new BusCredentialsError(file, "cannot be read", err);
  }
  if (!/^SU[A-Z2-7]{56}$/.test(text)) throw new BusCredentialsError(file, "is not an nkey user seed (SU...)");
  return new TextEncoder().encode(text);
}

/** The public key of the seed in `file`. */
export function publicKeyOf(file: string): string {
  return nkeys.fromSeed(readSeed(file)).getPublicKey();
}

/** Each role's identity from its seed file in `dir`, creating the missing seeds. */
export function ensureSeedFiles(dir: string, roles: readonly BusRole[]): BusIdentity[] {
  mkdirSync(dir, { recursive: true });
  return roles.map((role) => {
    const file = seedFileOf(dir, role);
    if (!existsSync(file)) {
      const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
      writeFileSync(file, `${seed}\n`, { mode: 0o600, flag: "wx" });
    }
    return { role, nkey: publicKeyOf(file) };
  });
}
