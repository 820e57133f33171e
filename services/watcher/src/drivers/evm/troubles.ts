import type { ChainEventSink } from "../../chain-driver.js";

/**
 * What is wrong with following the chain right now, one detail per cause
 * (`rpc`, a price gate, a feed, a deep reorg). The sink hears the joined
 * details only when they change, so a steady trouble is not re-reported
 * every poll.
 */
export class Troubles {
  private readonly details = new Map<string, string>();
  /** Causes that clear themselves: an alarm lasts a while, nothing observes its end. */
  private readonly clearsAtMs = new Map<string, number>();
  private reported: string | undefined;

  constructor(private readonly sink: Pick<ChainEventSink, "trouble">) {}

  /** Sets (or with `undefined` clears) the trouble of `cause`. */
  set(cause: string, detail: string | undefined): void {
    this.clearsAtMs.delete(cause);
    if (detail === undefined) this.details.delete(cause);
    else this.details.set(cause, detail);
  }

  /** Sets a trouble that `expire` clears once `clearsAtMs` has passed. */
  setUntil(cause: string, detail: string, clearsAtMs: number): void {
    this.set(cause, detail);
    this.clearsAtMs.set(cause, clearsAtMs);
  }

  /** Clears the troubles whose time is up at `nowMs`. */
  expire(nowMs: number): void {
    for (const [cause, atMs] of this.clearsAtMs) if (nowMs > atMs) this.set(cause, undefined);
  }

  /** Tells the sink when the set of troubles changed. */
  report(): void {
    const text = this.details.size ? [...this.details.values()].join("; ") : undefined;
    if (text !== this.reported) {
      this.reported = text;
      this.sink.trouble(text);
    }
  }
}
