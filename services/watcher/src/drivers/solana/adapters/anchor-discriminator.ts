import { createHash } from "node:crypto";

/** Anchor's account discriminator: the first 8 bytes of sha256("account:<Name>"). */
export function accountDiscriminator(name: string): Uint8Array {
  return Uint8Array.from(createHash("sha256").update(`account:${name}`).digest().subarray(0, 8));
}

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** Base58 of bytes (Bitcoin alphabet, as Solana uses): a memcmp filter's `bytes`. */
export function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = "";
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)]! + out;
    n /= 58n;
  }
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) out = `1${out}`;
  return out;
}
