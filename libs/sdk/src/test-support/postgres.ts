// Test support: the PostgreSQL these machines run on 127.0.0.1:5432, or a reason it is not there.
import pg from "pg";

export const TEST_PG_URL = process.env["BW_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

/** A pool when PostgreSQL answers at TEST_PG_URL, else the reason the tests needing it are skipped. */
export async function testPostgres(): Promise<{ pool: pg.Pool } | { skip: string }> {
  const pool = new pg.Pool({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 2_000, max: 4 });
  try {
    await pool.query("SELECT 1");
    return { pool };
  } catch (err) {
    await pool.end().catch(() => undefined);
    return {
      skip: `no PostgreSQL at ${TEST_PG_URL} (${(err as Error).message}); set BW_TEST_PG_URL to run these tests`,
    };
  }
}

/** A table prefix no other test run uses. */
export function uniquePrefix(): string {
  return `bwt_${process.pid}_${Math.random().toString(36).slice(2, 8)}_`;
}
