/**
 * Deduplication ids from chain coordinates: the same on-chain fact always gets
 * the same id, so a retried publish after a crash is dropped by the bus.
 */
export function chainEventId(chainId: string, blockHash: string, logIndex: number, suffix = ""): string {
  return `${chainId}:${blockHash}:${logIndex}${suffix ? `:${suffix}` : ""}`;
}
