import type { Signal } from "@breakwater/proto";

/** A signal that reached the venue after the moment it should have been applied. */
export interface LateDelivery {
  readonly sequence: number;
  readonly effectiveAtMs: number;
  readonly receivedAtMs: number;
  /** How long after `effective_at` it arrived (ms, > 0). */
  readonly lateByMs: number;
}

/** A signal issued "in the future" by more than the tolerated skew: one of the clocks is wrong. */
export interface ClockSkew {
  readonly sequence: number;
  readonly issuedAtMs: number;
  readonly receivedAtMs: number;
  /** How far ahead of the venue's clock `issued_at` is (ms, > tolerance). */
  readonly skewMs: number;
}

export interface TimingReport {
  readonly late: LateDelivery | undefined;
  readonly skew: ClockSkew | undefined;
  /** The halt (or other action) already ended before the signal arrived. */
  readonly expired: boolean;
}

/** Compares a signal's times with the venue's clock at receipt. */
export function checkTiming(signal: Signal, receivedAtMs: number, maxClockSkewMs: number): TimingReport {
  const lateByMs = receivedAtMs - signal.effectiveAtMs;
  const skewMs = signal.issuedAtMs - receivedAtMs;
  return {
    late:
      lateByMs > 0
        ? { sequence: signal.sequence, effectiveAtMs: signal.effectiveAtMs, receivedAtMs, lateByMs }
        : undefined,
    skew:
      skewMs > maxClockSkewMs
        ? { sequence: signal.sequence, issuedAtMs: signal.issuedAtMs, receivedAtMs, skewMs }
        : undefined,
    expired: signal.expiresAtMs > 0 && receivedAtMs >= signal.expiresAtMs,
  };
}
