import { SignalVerifier, type TrustedKey, type VerifyResult } from "@breakwater/core";
import type { CoordinationServiceClient, Signal } from "@breakwater/proto";
import { Metadata } from "@grpc/grpc-js";

export interface SignatureOptions {
  /** Public keys pinned by the venue (from configuration). */
  readonly keys?: readonly TrustedKey[];
  /**
   * Also trust the keys the coordinator publishes (`GetSigningKeys`), fetched
   * at start and again when a signal names an unknown key id (rotation).
   * Weaker than pinning: it trusts the channel to the coordinator.
   */
  readonly fetchFromCoordinator?: boolean;
}

/** Minimum time between two key fetches triggered by the same unknown key id. */
const REFETCH_INTERVAL_MS = 5_000;

/** Verifies each signal against the pinned (and optionally fetched) keys. */
export class SignatureCheck {
  private readonly verifier: SignalVerifier;
  /** Unknown key id → when a fetch was last made for it. */
  private readonly fetchedFor = new Map<string, number>();

  constructor(
    private readonly opts: SignatureOptions,
    private readonly client: CoordinationServiceClient,
  ) {
    this.verifier = new SignalVerifier(opts.keys ?? []);
  }

  async verify(signal: Signal): Promise<VerifyResult> {
    const result = this.verifier.verify(signal);
    if (result.ok || result.reason !== "unknown_key" || !this.opts.fetchFromCoordinator) return result;
    const now = performance.now();
    if (now - (this.fetchedFor.get(signal.keyId) ?? Number.NEGATIVE_INFINITY) < REFETCH_INTERVAL_MS) {
      return result;
    }
    if (this.fetchedFor.size > 1_000) this.fetchedFor.clear();
    this.fetchedFor.set(signal.keyId, now);
    await this.fetchKeys().catch(() => undefined);
    return this.verifier.verify(signal);
  }

  /** Fetches the coordinator's published keys and pins those not pinned yet (pinned keys win). */
  async fetchKeys(timeoutMs = 5_000): Promise<number> {
    const keys = await new Promise<TrustedKey[]>((resolve, reject) =>
      this.client.getSigningKeys({}, new Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) =>
        err ? reject(err) : resolve(res.keys),
      ),
    );
    let added = 0;
    for (const key of keys) {
      if (this.verifier.has(key.keyId)) continue;
      this.verifier.pin(key);
      added++;
    }
    return added;
  }
}
