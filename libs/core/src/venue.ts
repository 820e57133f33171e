const VENUE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,199}$/;

/**
 * True when `text` can name a venue: a non-empty identifier of letters, digits
 * and `_ . : / -`, at most 200 characters (the same rule as every other id).
 */
export function isVenueId(text: string): boolean {
  return VENUE_ID.test(text);
}
