import type { Signal } from "@breakwater/proto";
import type pg from "pg";
import type { MarketControlsJson } from "../market-controls.js";
import {
  type ApplyOutcome,
  type CursorPosition,
  type CursorRecord,
  type CursorStore,
  decodeStoredSignal,
  encodeStoredSignal,
  type PendingAck,
} from "./cursor-store.js";
import { CursorStoreError } from "./errors.js";

export interface PostgresCursorStoreOptions {
  /** The venue's pool; the store borrows a client per call and never ends the pool. */
  readonly pool: pg.Pool;
  readonly venueId: string;
  /** Prefix of the store's three tables. Default "breakwater_". */
  readonly tablePrefix?: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/;

/**
 * A cursor store in the venue's PostgreSQL database (the inbox pattern): a
 * received signal is inserted into an inbox table with the new position in
 * one transaction; applying it runs the venue's own statements on the same
 * client, deletes it from the inbox and queues its ack, all in one
 * transaction. A crash at any point leaves the signal either still in the
 * inbox (applied again after the restart) or applied and gone: exactly once.
 */
export class PostgresCursorStore implements CursorStore<pg.PoolClient> {
  private readonly t: { cursor: string; inbox: string; acks: string };

  constructor(private readonly opts: PostgresCursorStoreOptions) {
    const prefix = opts.tablePrefix ?? "breakwater_";
    if (!IDENTIFIER.test(prefix))
      throw new CursorStoreError("postgres", `table prefix "${prefix}" is not a plain identifier`);
    this.t = { cursor: `${prefix}cursor`, inbox: `${prefix}inbox`, acks: `${prefix}pending_acks` };
  }

  /** Creates the tables when missing (idempotent). */
  async migrate(): Promise<void> {
    await this.run(async (c) => {
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.t.cursor} (
        venue_id text PRIMARY KEY,
        covered bigint NOT NULL,
        last_in_scope bigint,
        controls jsonb,
        updated_at timestamptz NOT NULL DEFAULT now())`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.t.inbox} (
        venue_id text NOT NULL,
        sequence bigint NOT NULL,
        signal bytea NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (venue_id, sequence))`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.t.acks} (
        venue_id text NOT NULL,
        sequence bigint NOT NULL,
        outcome text NOT NULL,
        detail text,
        PRIMARY KEY (venue_id, sequence))`);
    });
  }

  async load(): Promise<CursorRecord> {
    await this.migrate();
    return this.run(async (c) => {
      const venue = this.opts.venueId;
      const cursor = await c.query<{
        covered: string;
        last_in_scope: string | null;
        controls: MarketControlsJson | null;
      }>(`SELECT covered, last_in_scope, controls FROM ${this.t.cursor} WHERE venue_id = $1`, [venue]);
      const inbox = await c.query<{ signal: Buffer }>(
        `SELECT signal FROM ${this.t.inbox} WHERE venue_id = $1 ORDER BY sequence`,
        [venue],
      );
      const acks = await c.query<{ sequence: string; outcome: PendingAck["outcome"]; detail: string | null }>(
        `SELECT sequence, outcome, detail FROM ${this.t.acks} WHERE venue_id = $1 ORDER BY sequence`,
        [venue],
      );
      const row = cursor.rows[0];
      return {
        position: {
          covered: row ? Number(row.covered) : 0,
          lastInScope: row?.last_in_scope == null ? undefined : Number(row.last_in_scope),
        },
        inbox: inbox.rows.map((r) => decodeStoredSignal(r.signal)),
        pendingAcks: acks.rows.map((r) =>
          r.detail === null
            ? { sequence: Number(r.sequence), outcome: r.outcome }
            : { sequence: Number(r.sequence), outcome: r.outcome, detail: r.detail },
        ),
        controls: row?.controls ?? undefined,
      };
    });
  }

  receive(signal: Signal, position: CursorPosition): Promise<void> {
    return this.transaction(async (c) => {
      await c.query(
        `INSERT INTO ${this.t.inbox} (venue_id, sequence, signal) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [this.opts.venueId, signal.sequence, Buffer.from(encodeStoredSignal(signal))],
      );
      await this.savePosition(c, position);
    });
  }

  async advance(position: CursorPosition): Promise<void> {
    await this.transaction((c) => this.savePosition(c, position));
  }

  apply(
    sequence: number,
    outcome: ApplyOutcome,
    controls: MarketControlsJson,
    effect: ((tx: pg.PoolClient) => Promise<void> | void) | undefined,
    detail?: string,
  ): Promise<boolean> {
    return this.transaction(async (c) => {
      const venue = this.opts.venueId;
      // Locks the inbox row: a second instance applying the same signal waits, then finds it gone.
      const held = await c.query(
        `SELECT 1 FROM ${this.t.inbox} WHERE venue_id = $1 AND sequence = $2 FOR UPDATE`,
        [venue, sequence],
      );
      if (held.rowCount === 0) return false;
      await effect?.(c);
      await c.query(`DELETE FROM ${this.t.inbox} WHERE venue_id = $1 AND sequence = $2`, [venue, sequence]);
      await c.query(
        `INSERT INTO ${this.t.acks} (venue_id, sequence, outcome, detail) VALUES ($1, $2, $3, $4)
         ON CONFLICT (venue_id, sequence) DO UPDATE SET outcome = EXCLUDED.outcome, detail = EXCLUDED.detail`,
        [venue, sequence, outcome, detail ?? null],
      );
      await c.query(`UPDATE ${this.t.cursor} SET controls = $2, updated_at = now() WHERE venue_id = $1`, [
        venue,
        JSON.stringify(controls),
      ]);
      return true;
    });
  }

  async acked(sequences: readonly number[]): Promise<void> {
    if (sequences.length === 0) return;
    await this.run((c) =>
      c.query(`DELETE FROM ${this.t.acks} WHERE venue_id = $1 AND sequence = ANY($2::bigint[])`, [
        this.opts.venueId,
        sequences.map(String),
      ]),
    );
  }

  async close(): Promise<void> {}

  private savePosition(c: pg.PoolClient, position: CursorPosition): Promise<unknown> {
    // GREATEST: a position never moves back, whatever order two writers commit in.
    return c.query(
      `INSERT INTO ${this.t.cursor} (venue_id, covered, last_in_scope) VALUES ($1, $2, $3)
       ON CONFLICT (venue_id) DO UPDATE SET
         last_in_scope = CASE WHEN EXCLUDED.covered >= ${this.t.cursor}.covered THEN EXCLUDED.last_in_scope ELSE ${this.t.cursor}.last_in_scope END,
         covered = GREATEST(${this.t.cursor}.covered, EXCLUDED.covered),
         updated_at = now()`,
      [this.opts.venueId, position.covered, position.lastInScope ?? null],
    );
  }

  private async run<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.opts.pool.connect();
    } catch (err) {
      throw new CursorStoreError("postgres", "cannot connect", err);
    }
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  }

  private transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.run(async (c) => {
      await c.query("BEGIN");
      try {
        const result = await fn(c);
        await c.query("COMMIT");
        return result;
      } catch (err) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw err;
      }
    });
  }
}
