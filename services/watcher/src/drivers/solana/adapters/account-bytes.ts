import { PublicKey } from "@solana/web3.js";
import { AccountDecodeError } from "./account-adapter.js";

/**
 * Little-endian reads at fixed offsets of one account's data, each checked
 * against the data's length: a short account is an AccountDecodeError, never
 * a RangeError or a silently wrong number.
 */
export class AccountBytes {
  private readonly view: DataView;

  constructor(
    readonly data: Uint8Array,
    readonly account: string,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  private need(offset: number, size: number, what: string): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + size > this.data.length)
      throw new AccountDecodeError(
        "malformed",
        this.account,
        `${what} at offset ${offset} needs ${size} bytes, the account has ${this.data.length}`,
      );
  }

  u8(offset: number): number {
    this.need(offset, 1, "u8");
    return this.view.getUint8(offset);
  }
  u16(offset: number): number {
    this.need(offset, 2, "u16");
    return this.view.getUint16(offset, true);
  }
  u32(offset: number): number {
    this.need(offset, 4, "u32");
    return this.view.getUint32(offset, true);
  }
  i32(offset: number): number {
    this.need(offset, 4, "i32");
    return this.view.getInt32(offset, true);
  }
  u64(offset: number): bigint {
    this.need(offset, 8, "u64");
    return this.view.getBigUint64(offset, true);
  }
  i64(offset: number): bigint {
    this.need(offset, 8, "i64");
    return this.view.getBigInt64(offset, true);
  }
  u128(offset: number): bigint {
    this.need(offset, 16, "u128");
    return this.view.getBigUint64(offset, true) | (this.view.getBigUint64(offset + 8, true) << 64n);
  }
  i128(offset: number): bigint {
    this.need(offset, 16, "i128");
    return this.view.getBigUint64(offset, true) | (this.view.getBigInt64(offset + 8, true) << 64n);
  }
  bytes(offset: number, length: number): Uint8Array {
    this.need(offset, length, `${length} bytes`);
    return this.data.subarray(offset, offset + length);
  }
  pubkey(offset: number): string {
    return new PublicKey(this.bytes(offset, 32)).toBase58();
  }
  /** A fixed-size UTF-8 name padded with zeros or spaces (Drift's market names). */
  name(offset: number, length = 32): string {
    return Buffer.from(this.bytes(offset, length))
      .toString("utf8")
      .replace(/[\0 ]+$/, "");
  }
  /** Whether the data starts with `discriminator` (Anchor's 8-byte account tag). */
  startsWith(discriminator: Uint8Array): boolean {
    if (this.data.length < discriminator.length) return false;
    return discriminator.every((b, i) => this.data[i] === b);
  }
}
