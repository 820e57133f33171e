// A venue built on the Breakwater SDK: an order book that obeys halts and margins, each signal
// applied exactly once with its effect and the cursor in one PostgreSQL transaction.
//
//   node --import tsx examples/venue-orderbook/src/main.ts --venue perp-a \
//     --coordinator 127.0.0.1:50051 --pg postgres://postgres@127.0.0.1:5432/test
//   (or --cursor-file ./perp-a.cursor.json for the file store)
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import {
  type CursorStore,
  DurableVenue,
  FileCursorStore,
  type FileStoreTx,
  PostgresCursorStore,
  type SignalContext,
  type TrustedKey,
} from "@breakwater/sdk";
import pg from "pg";
import { OrderBook } from "./order-book.js";

const { values } = parseArgs({
  options: {
    venue: { type: "string", default: process.env["BW_VENUE_ID"] },
    coordinator: { type: "string", default: process.env["BW_COORDINATOR_ADDR"] ?? "127.0.0.1:50051" },
    pg: { type: "string", default: process.env["BW_CURSOR_PG_URL"] },
    "cursor-file": { type: "string", default: process.env["BW_CURSOR_FILE"] },
    "trusted-keys": { type: "string", default: process.env["BW_TRUSTED_KEYS"] ?? "" },
    "http-port": { type: "string", default: process.env["BW_HTTP_PORT"] ?? "0" },
    // The venue's mutual TLS identity at the coordinator.
    "tls-cert": { type: "string", default: process.env["BW_TLS_CERT_FILE"] },
    "tls-key": { type: "string", default: process.env["BW_TLS_KEY_FILE"] },
    "tls-ca": { type: "string", default: process.env["BW_TLS_CA_FILE"] },
  },
});
const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const venueId = values.venue;
const certFile = values["tls-cert"];
const keyFile = values["tls-key"];
const caFile = values["tls-ca"];
if (!venueId || (!values.pg && !values["cursor-file"]) || !certFile || !keyFile || !caFile) {
  process.stderr.write(
    "usage: main.ts --venue ID --coordinator HOST:PORT --tls-cert FILE --tls-key FILE --tls-ca FILE (--pg URL | --cursor-file PATH)\n",
  );
  process.exit(2);
}
const pinned: TrustedKey[] = values["trusted-keys"]
  .split(",")
  .filter(Boolean)
  .map((entry) => {
    const [keyId = "", publicKey = ""] = entry.split("=", 2);
    return { keyId, publicKey };
  });

type VenueState = { applied: number[] };
const pool = values.pg ? new pg.Pool({ connectionString: values.pg, max: 2 }) : undefined;
if (pool) {
  // The venue's own table: what it applied. No key on sequence, so a double application would show.
  await pool.query(`CREATE TABLE IF NOT EXISTS venue_applied_signals (
    id bigserial PRIMARY KEY, venue_id text NOT NULL, sequence bigint NOT NULL, kind text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now())`);
}
const store: CursorStore<pg.PoolClient> | CursorStore<FileStoreTx<VenueState>> = pool
  ? new PostgresCursorStore({ pool, venueId })
  : new FileCursorStore<VenueState>({ path: values["cursor-file"]!, venueId, initialState: { applied: [] } });

/** The signal's effect on the venue's own state, in the store's transaction. */
async function record(ctx: SignalContext<unknown>, kind: string): Promise<void> {
  if (pool) {
    await (ctx.tx as pg.PoolClient).query(
      "INSERT INTO venue_applied_signals (venue_id, sequence, kind) VALUES ($1, $2, $3)",
      [venueId, ctx.signal.sequence, kind],
    );
  } else {
    (ctx.tx as FileStoreTx<VenueState>).state.applied.push(ctx.signal.sequence);
  }
  print({ event: "applied", venue: venueId, sequence: ctx.signal.sequence, kind, lateByMs: ctx.lateByMs });
}

const venue = new DurableVenue<unknown>({
  address: values.coordinator,
  venueId,
  tls: { certFile, keyFile, caFile },
  store: store as CursorStore<unknown>,
  signatures: pinned.length > 0 ? { keys: pinned } : { fetchFromCoordinator: true },
  handlers: {
    onHalt: (ctx) => record(ctx, "halt"),
    onResume: (ctx) => record(ctx, "resume"),
    onMargin: (ctx) => record(ctx, "margin"),
    onPriceLimit: (ctx) => record(ctx, "price-limit"),
    onAdvisory: (ctx) => record(ctx, "advisory"),
  },
  onStuck: (err) => print({ event: "stuck", venue: venueId, sequence: err.sequence, message: err.message }),
});
const book = new OrderBook(venue);
venue.on("subscribed", ({ afterSequence }) => print({ event: "ready", venue: venueId, afterSequence }));
venue.on("received", (info) => print({ event: "received", venue: venueId, ...info }));
venue.on("late", (info) => print({ event: "late", venue: venueId, ...info }));
venue.on("error", (err) => print({ event: "error", venue: venueId, message: err.message }));
await venue.start();

// The order gateway: POST /orders {account, market, asset, side, size, price}; POST /deposits {account, amount}.
const gateway = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: Buffer) => {
    body += chunk.toString();
    if (body.length > 16_384) req.destroy();
  });
  req.on("end", () => {
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    try {
      const input = JSON.parse(body || "{}");
      if (req.method === "POST" && req.url === "/deposits") {
        book.deposit(String(input.account), Number(input.amount));
        return reply(200, { ok: true });
      }
      if (req.method === "POST" && req.url === "/orders") return reply(200, book.place(input, Date.now()));
      reply(404, { error: "POST /orders or /deposits" });
    } catch {
      reply(400, { error: "body must be JSON" });
    }
  });
});
await new Promise<void>((resolve) => gateway.listen(Number(values["http-port"]), "127.0.0.1", resolve));
const http = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
print({
  event: "started",
  venue: venueId,
  store: pool ? "postgres" : "file",
  pending: venue.pending.length,
  http,
});

const stop = async () => {
  gateway.close();
  await venue.close();
  await pool?.end();
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
process.once("SIGINT", () => void stop());
