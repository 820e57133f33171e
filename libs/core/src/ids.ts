// The rules every identifier follows, in one place: configuration fields,
// event validation, venue scopes and researcher queries all build on these.

/**
 * A chain id: lowercase letters, digits and dashes, at most 64 characters. It
 * is used in NATS subjects (`bw.chain.<id>.*`), so nothing else may appear.
 */
export const CHAIN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Any other id (asset, venue, market, position, source): a non-empty
 * identifier of letters, digits and `_ . : / -`, at most 200 characters.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,199}$/;

/** An entity: an address, `<chain>:<account>` or a configured name (an id that may also hold `@` and `+`). */
export const ENTITY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/@+-]{0,199}$/;

/** True when `text` can name a chain. */
export function isChainId(text: string): boolean {
  return CHAIN_ID_PATTERN.test(text);
}

/** True when `text` is a well-formed id (see ID_PATTERN). */
export function isId(text: string): boolean {
  return ID_PATTERN.test(text);
}

/** True when `text` can name a venue. */
export function isVenueId(text: string): boolean {
  return ID_PATTERN.test(text);
}

/** True when `text` can name an asset. */
export function isAssetId(text: string): boolean {
  return ID_PATTERN.test(text);
}

/** True when `text` can name an entity. */
export function isEntityId(text: string): boolean {
  return ENTITY_PATTERN.test(text);
}

/**
 * Deduplication ids from chain coordinates: the same on-chain fact always gets
 * the same id, so a retried publish after a crash is dropped by the bus.
 */
export function chainEventId(chainId: string, blockHash: string, logIndex: number, suffix = ""): string {
  return `${chainId}:${blockHash}:${logIndex}${suffix ? `:${suffix}` : ""}`;
}
