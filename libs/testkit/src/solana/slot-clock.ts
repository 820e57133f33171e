import type { SolanaLedger } from "./solana-ledger.js";

/** A running slot progression: the ledger's tip moves one slot every `slotMs` until stopped. */
export interface SlotClock {
  stop(): void;
}

/** Advances `ledger` one slot every `slotMs` (after running `onSlot`, if given, for the new tip). */
export function startSlotClock(
  ledger: SolanaLedger,
  slotMs: number,
  onSlot?: (slot: number) => void,
): SlotClock {
  const timer = setInterval(() => {
    const slot = ledger.advance(1);
    onSlot?.(slot);
  }, slotMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
