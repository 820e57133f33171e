import type { ErrorStatus } from "@breakwater/core";
import { VenueClientError } from "../errors.js";

/** The cursor store cannot be read or written. */
export class CursorStoreError extends VenueClientError {
  override readonly status: ErrorStatus = "unavailable";
  override readonly retryable = true;
  constructor(
    readonly store: string,
    problem: string,
    cause?: unknown,
  ) {
    super(
      "cursor_store",
      `cursor store ${store}: ${problem}${cause instanceof Error ? `: ${cause.message}` : ""}`,
      { store },
      cause,
    );
  }
}
