import { readFileSync } from "node:fs";
import type { TrustedKey } from "@breakwater/core";
import { messageOf, UsageError } from "../errors.js";
import { parseKeyFlag, parseKeysFile } from "../keys.js";

/** Options every networked command takes. */
export interface CommonOptions {
  readonly json: boolean;
  readonly timeout: number;
}

/** Pinned keys from `--key` and `--keys-file`. */
export interface KeyOptions {
  readonly key: readonly string[];
  readonly keysFile?: string;
}

/** Reads a file named on the command line; failure is a usage error naming the flag. */
export function readArgFile(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${path}: ${messageOf(err)}`);
  }
}

/** Every pinned key; at least one is required. */
export function pinnedKeys(o: KeyOptions): TrustedKey[] {
  const keys = o.key.map((k) => parseKeyFlag(k, (path) => readFileSync(path, "utf8")));
  if (o.keysFile) keys.push(...parseKeysFile(readArgFile(o.keysFile, "--keys-file"), o.keysFile));
  if (keys.length === 0)
    throw new UsageError(
      "give the signing keys to pin: --key KEY_ID=PUBLIC_KEY or --keys-file PATH " +
        "(`breakwater keys list` shows what the coordinator publishes)",
    );
  return keys;
}

/** Pretty JSON for `--json` answers. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
