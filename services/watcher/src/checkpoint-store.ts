import { type Bus, buckets } from "@breakwater/bus";
import type { KV } from "@nats-io/kv";
import { z } from "zod";
import type { Checkpoint } from "./chain-driver.js";
import { CorruptCheckpointError } from "./errors.js";

const checkpointSchema = z.object({
  chainId: z.string(),
  driver: z.string(),
  blockNumber: z.number().int().min(0),
  blockHash: z.string().min(1),
  blockTimeMs: z.number(),
  resume: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  savedAtMs: z.number(),
});

/** Where a watcher keeps its checkpoint: the NATS KV bucket of checkpoints, key = chain id. */
export class CheckpointStore {
  private constructor(
    private readonly kv: KV,
    readonly chainId: string,
  ) {}

  /**
   * Opens the bucket, creating it on first use. A NATS that is briefly
   * unreachable or slow (timeouts while reconnecting) is waited for, up to
   * `waitForMs`, rather than failing the watcher's start.
   */
  static async open(bus: Bus, chainId: string, waitForMs = 30_000): Promise<CheckpointStore> {
    const deadline = Date.now() + waitForMs;
    for (let delay = 250; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        const kv = await bus.kvm.create(buckets.checkpoints, { history: 1 }).catch(async (err: unknown) => {
          // another watcher created it with a different setting, or won a creation race
          if (/already in use|exists/i.test(String((err as Error).message)))
            return bus.kvm.open(buckets.checkpoints);
          throw err;
        });
        return new CheckpointStore(kv, chainId);
      } catch (err) {
        const transient = /timeout|disconnect|no responders|connection/i.test(String((err as Error).message));
        if (!transient || Date.now() + delay > deadline) throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** The chain's checkpoint, or undefined before the first one. */
  async load(): Promise<Checkpoint | undefined> {
    const entry = await this.kv.get(this.chainId);
    if (entry?.operation !== "PUT" || entry.length === 0) return undefined;
    let raw: unknown;
    try {
      raw = entry.json<unknown>();
    } catch (err) {
      throw new CorruptCheckpointError(this.chainId, "not JSON", err);
    }
    const parsed = checkpointSchema.safeParse(raw);
    if (!parsed.success)
      throw new CorruptCheckpointError(
        this.chainId,
        parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
      );
    if (parsed.data.chainId !== this.chainId)
      throw new CorruptCheckpointError(this.chainId, `it belongs to chain ${parsed.data.chainId}`);
    return parsed.data;
  }

  async save(checkpoint: Checkpoint): Promise<void> {
    await this.kv.put(this.chainId, JSON.stringify(checkpoint));
  }
}
